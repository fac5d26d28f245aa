import { RootError } from '../errors.js';
import { type MountInfo, readMountinfo } from '../sys/index.js';

/**
 * Removes a tree without ever following a symlink, even one swapped in while the removal runs.
 * Node's recursive rm lstat()s and then opens by name, so a directory replaced by a link between
 * the two would send it outside; GNU rm walks with fts and openat(O_NOFOLLOW)/unlinkat relative to
 * directory descriptors, which is immune to that race. --one-file-system keeps it from descending
 * into anything mounted inside (a bind mount of host data must never be emptied).
 */
export async function removeTree(p: string): Promise<void> {
  // Loaded when used: a command that never writes a jail (run, audit) skips its cost.
  const { execa } = await import('execa');
  const r = await execa('rm', ['-rf', '--one-file-system', '--', p], { reject: false });
  if (r.exitCode !== 0) {
    throw new RootError('ROOT_REMOVE_FAILED', `could not remove: ${String(r.stderr).trim()}`, { path: p });
  }
}

/** Mount points at or below `dir` (from /proc/self/mountinfo, octal escapes decoded). */
export function mountsUnder(dir: string): string[] {
  let mounts: readonly MountInfo[];
  try {
    mounts = readMountinfo();
  } catch {
    return [];
  }
  return mounts.map((m) => m.mountPoint).filter((mp) => mp === dir || mp.startsWith(`${dir}/`));
}
