/**
 * Files jailsmith trusts because no one else could have written them: its state, plan cache, run
 * policy record and audit-gate verdicts. One home for what "no one else" means.
 */
import {
  type BigIntStats,
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  type Stats,
} from 'node:fs';

/** Opens `file` to read, never through a final symlink and never blocking on a FIFO (throws as openSync). */
export function openNoFollow(file: string): number {
  return openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
}

/** Owned by one of `owners` and writable by neither its group nor others. */
export function writableOnlyBy(st: Stats | BigIntStats, owners: readonly number[]): boolean {
  return owners.includes(Number(st.uid)) && (Number(st.mode) & 0o022) === 0;
}

/** The caller's effective uid (0 where the platform has none). */
export function selfUid(): number {
  return process.geteuid?.() ?? 0;
}

/**
 * The bytes of `file` when it is a regular file no one but the caller could have written, read
 * through the one descriptor its check was made on; undefined when it is not, or cannot be read.
 * How a cache of ours is read: a missing or foreign one is a miss, never an error.
 */
export function readOwnFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openNoFollow(file);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    return st.isFile() && writableOnlyBy(st, [selfUid()]) ? readFileSync(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
