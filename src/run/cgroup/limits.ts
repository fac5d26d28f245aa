/** Validation of the limits asked and the controllers they need. */
import { RunError } from '../../errors.js';
import type { CgroupLimits } from './types.js';

/** CFS period: quota = cores x period. */
export const CPU_PERIOD_US = 100_000;
/** The kernel refuses a quota under 1 ms. */
const MIN_QUOTA_US = 1000;

/** A limit that is not a positive number is the caller's bug: refuse it, never round it away. */
export function checkLimits(limits: CgroupLimits): void {
  const bad = (name: string, v: number | undefined, integer: boolean): void => {
    if (v === undefined) return;
    if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      throw new RunError(
        'RUN_CGROUP_LIMIT',
        `cgroup limit ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`,
        {
          details: { [name]: v },
        },
      );
    }
  };
  bad('memoryBytes', limits.memoryBytes, true);
  bad('pids', limits.pids, true);
  bad('cores', limits.cores, false);
}

export function quotaUs(cores: number): number {
  return Math.max(MIN_QUOTA_US, Math.round(cores * CPU_PERIOD_US));
}

/** The controllers the asked limits need, with the limit's name for messages. */
export function neededControllers(limits: CgroupLimits): { controller: string; limit: string }[] {
  const out: { controller: string; limit: string }[] = [];
  if (limits.memoryBytes !== undefined) out.push({ controller: 'memory', limit: 'memory' });
  if (limits.pids !== undefined) out.push({ controller: 'pids', limit: 'pids' });
  if (limits.cores !== undefined) out.push({ controller: 'cpu', limit: 'cores' });
  return out;
}
