// PLACEHOLDER until the cgroup branch merges.
export interface CgroupLimits { memoryBytes?: number; pids?: number; cores?: number }
export interface JobCgroup {
  version: 1 | 2;
  joinFiles: string[];
  paths: string[];
  stats(): { peakMemoryBytes: number | null; memoryLimitHit: boolean; pidsLimitHit: boolean; cpuSeconds: number | null };
  remove(): Promise<void>;
}
export type CgroupSetup = { ok: true; cgroup: JobCgroup } | { ok: false; reason: string };
export function createJobCgroup(_n: string, _l: CgroupLimits, _o?: { parent?: string }): CgroupSetup {
  return { ok: false, reason: 'cgroup support not merged yet' };
}
export function sweepStaleCgroups(): void {}
