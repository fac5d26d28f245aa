/**
 * Per-job cgroups for `jailsmith run` (v1 and v2). The engine creates one before the job, the
 * job's first process joins it (writes 0, itself, into every joinFiles entry), and after the job the
 * engine reads stats() and calls remove().
 */
import { readFileSync } from 'node:fs';
import { jobDirOf } from './create-dirs.js';
import { type Discovery, discover } from './discover.js';
import { hostCgroupFs } from './host-fs.js';
import { checkLimits } from './limits.js';
import { JOIN_FILE, jobCgroupName } from './names.js';
import { type SweepResult, sweep } from './sweep.js';
import type { CgroupLimits, CgroupOptions, CgroupSetup } from './types.js';
import { setupV1 } from './v1.js';
import { setupV2 } from './v2.js';

export const DEFAULT_MOUNT_ROOT = '/sys/fs/cgroup';

/** discover() is pure in its four inputs: the last answer serves while they stay the same. */
let last: { key: string; found: Discovery } | null = null;

function discoverFor(opts: CgroupOptions) {
  const mountRoot = opts.mountRoot ?? DEFAULT_MOUNT_ROOT;
  const mountinfo = opts.mountinfo ?? readFileSync('/proc/self/mountinfo', 'utf8');
  const procSelf = opts.procSelfCgroup ?? readFileSync('/proc/self/cgroup', 'utf8');
  const key = JSON.stringify([mountRoot, mountinfo, procSelf, opts.parent ?? null]);
  if (last?.key !== key) last = { key, found: discover(mountRoot, mountinfo, procSelf, opts.parent) };
  return { mountRoot, found: last.found };
}

/**
 * Where a job cgroup would be, before it is made: its join files (known from the discovery alone),
 * and create(), which makes it (or says why it cannot). The engine starts the job's process chain
 * with the join files while the cgroup is being made; the chain joins it only after the go.
 */
export type CgroupPlan =
  | { ok: false; reason: string }
  | { ok: true; joinFiles: string[]; create(): CgroupSetup };

export function planJobCgroup(jobName: string, limits: CgroupLimits, opts: CgroupOptions = {}): CgroupPlan {
  checkLimits(limits);
  const fs = opts.fs ?? hostCgroupFs;
  const { mountRoot, found } = discoverFor(opts);
  if (!found.ok) return found;
  const name = jobCgroupName(opts.pid ?? process.pid, jobName);
  return {
    ok: true,
    joinFiles: found.hierarchies.map((h) => `${jobDirOf(h.parentDir, name)}/${JOIN_FILE[found.version]}`),
    create: () =>
      found.version === 1
        ? setupV1(fs, found.hierarchies, name, limits, mountRoot)
        : setupV2(fs, found.hierarchies[0]!, name, limits),
  };
}

/**
 * A job cgroup with `limits`, under `<caller's cgroup or opts.parent>/jailsmith/`, or why none can
 * be used (fail closed: a limit whose controller is missing or not delegated is such a reason).
 * Throws RunError RUN_CGROUP_LIMIT for a limit that is not a positive number.
 */
export function createJobCgroup(
  jobName: string,
  limits: CgroupLimits,
  opts: CgroupOptions = {},
): CgroupSetup {
  const plan = planJobCgroup(jobName, limits, opts);
  return plan.ok ? plan.create() : plan;
}

/** Removes job cgroups whose creating jailsmith process is gone (names embed its pid). */
export function sweepStaleCgroups(opts: CgroupOptions = {}): SweepResult {
  return sweep(opts.fs ?? hostCgroupFs, discoverFor(opts).found);
}

export { hostCgroupFs } from './host-fs.js';
export type { SweepResult } from './sweep.js';
export type { CgroupFs, CgroupLimits, CgroupOptions, CgroupSetup, CgroupStats, JobCgroup } from './types.js';
