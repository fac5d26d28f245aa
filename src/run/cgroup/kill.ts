/**
 * Emptying and removing a cgroup. v2 has cgroup.kill (one write kills everything, forks racing it
 * included); otherwise SIGKILL each pid of cgroup.procs and read again, until rmdir succeeds.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errnoCode, RunError } from '../../errors.js';
import { sleepSync } from './host-fs.js';
import type { CgroupFs } from './types.js';

/** How long killed processes get to leave before the cgroup counts as stuck (D state, NFS...). */
export const REMOVE_DEADLINE_MS = 10_000;
const ROUND_MS = 10;

export function procsOf(fs: CgroupFs, dir: string): number[] {
  try {
    return fs
      .read(`${dir}/cgroup.procs`)
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
}

/** SIGKILL everything in `dir`; true when it held nothing any more. */
function killAll(fs: CgroupFs, dir: string): boolean {
  const pids = procsOf(fs, dir);
  if (pids.length === 0) return true;
  const killFile = `${dir}/cgroup.kill`;
  if (fs.exists(killFile)) fs.write(killFile, '1');
  else for (const pid of pids) fs.kill(pid);
  return false;
}

/** Kills until cgroup.procs reads empty, leaving the directory (and its stats files) in place. */
export async function emptyCgroup(fs: CgroupFs, dir: string): Promise<void> {
  const end = Date.now() + REMOVE_DEADLINE_MS;
  while (!killAll(fs, dir)) {
    if (Date.now() > end) throw stuck(fs, dir);
    await sleep(ROUND_MS);
  }
}

/** rmdir of a cgroup: true when it is gone, false while processes (or children) keep it. */
export function tryRmdir(fs: CgroupFs, dir: string): boolean {
  try {
    fs.rmdir(dir);
    return true;
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') return true;
    if (code === 'EBUSY' || code === 'ENOTEMPTY') return false;
    throw e;
  }
}

/** One round: kill what is in `dir`, then try to rmdir it. True when it is gone. */
function round(fs: CgroupFs, dir: string): boolean {
  if (!fs.exists(dir)) return true;
  killAll(fs, dir);
  return tryRmdir(fs, dir);
}

function stuck(fs: CgroupFs, dir: string): RunError {
  return new RunError('RUN_CGROUP_BUSY', `job cgroup ${dir} still has processes after SIGKILL`, {
    path: dir,
    details: { pids: procsOf(fs, dir) },
    hint: 'a process in uninterruptible sleep (D state) keeps it; rerun to sweep it later',
  });
}

export async function killAndRemove(fs: CgroupFs, dir: string): Promise<void> {
  const end = Date.now() + REMOVE_DEADLINE_MS;
  while (!round(fs, dir)) {
    if (Date.now() > end) throw stuck(fs, dir);
    await sleep(ROUND_MS);
  }
}

/** The same, blocking: for the synchronous sweep. */
export function killAndRemoveSync(fs: CgroupFs, dir: string, deadlineMs = 2000): void {
  const end = Date.now() + deadlineMs;
  while (!round(fs, dir)) {
    if (Date.now() > end) throw stuck(fs, dir);
    sleepSync(ROUND_MS);
  }
}

/** rmdir the shared `jailsmith` parent if it is empty; another jailsmith may be using it. */
export function removeParentIfEmpty(fs: CgroupFs, dir: string): void {
  try {
    fs.rmdir(dir);
  } catch (e) {
    const code = errnoCode(e);
    if (code !== 'EBUSY' && code !== 'ENOTEMPTY' && code !== 'ENOENT') throw e;
  }
}
