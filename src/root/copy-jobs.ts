import type * as fs from 'node:fs';

/**
 * The files a StagingWriter copies into its private staging tree, as one batch that this thread
 * and helper threads (copy-pool.ts) work through together: each takes the next group from a
 * shared counter, so the work spreads by itself, whoever is faster takes more. A group is the
 * files of one directory: two threads creating files in one directory queue on its lock, and
 * where creating a file is slow (ext4 without a journal skips every recently deleted inode while
 * it holds that lock), the waiter spins: measured here, twice the CPU for no gain in time.
 * The arrays are indexed by job; the Shared* ones live in shared memory, the rest are copied to
 * each helper once.
 */
export interface CopyBatch {
  /** Where each file comes from; '' for a file already written (the job only settles it). */
  src: string[];
  /** Where it goes in the staging tree. */
  dst: string[];
  /** The plan's owner, group, mode and size, four numbers per job. */
  attrs: Float64Array;
  /** Group g is jobs groups[g] to groups[g + 1] - 1 (one more entry than there are groups). */
  groups: Int32Array;
  /** copyFile flags: COPYFILE_EXCL always (an existing name, link or not, fails), a clone or not. */
  flags: number;
  /** Shared: [next group to take, jobs finished, 1 + the job that failed (0: none; -1: stopped)]. */
  control: Int32Array;
  /** Shared: bytes of the files finished so far (progress). */
  bytes: BigInt64Array;
  /** Shared: dev, ino, ctimeMs and size of each finished file, as the state file keys it. */
  stats: Float64Array;
}

/** Why a job failed; the caller names the plan path and raises the RootError. */
export interface CopyFailure {
  index: number;
  /** 'changed': the copy's size is not the planned one; 'write': any other failure. */
  kind: 'changed' | 'write';
  detail: string;
}

/**
 * Takes groups of jobs until none is left or a job failed (here or in another thread), and
 * returns this thread's failure, if any; `after` hears of each job this thread finished. A job copies the
 * source (exclusive create: never through a link), then settles the copy: an lstat (the tree is
 * private, and lstat follows no link) must show the single-link regular file just made, of the
 * planned size. Most files end there: a copy made as root is root's, with its source's mode.
 * Otherwise owner, then mode (a chown clears setuid bits, so the mode is set again after one)
 * through a descriptor opened O_NOFOLLOW and checked to be that same inode. Its stat is recorded.
 *
 * Self-contained on purpose: a helper thread runs this function's own source text, so it uses
 * nothing but its arguments and the language (no imports, no names from outside).
 */
export function runCopyJobs(
  fsm: typeof fs,
  b: CopyBatch,
  after?: (index: number) => void,
): CopyFailure | null {
  const { O_RDONLY, O_NOFOLLOW } = fsm.constants;
  const groups = b.groups.length - 1;
  for (;;) {
    const g = Atomics.add(b.control, 0, 1);
    if (g >= groups) return null;
    const failure = runGroup(g);
    if (failure !== null) return failure;
  }

  function runGroup(g: number): CopyFailure | null {
    for (let i = b.groups[g] as number; i < (b.groups[g + 1] as number); i++) {
      // control[2]: some thread failed, or the writer stopped; take no further job.
      if (Atomics.load(b.control, 2) !== 0) return null;
      const failure = runJob(i);
      if (failure !== null) Atomics.store(b.control, 2, i + 1);
      // Finished, failed or not: whoever waits for every job to end (copy-pool.ts) may go on.
      Atomics.add(b.control, 1, 1);
      Atomics.notify(b.control, 1);
      if (failure !== null) return failure;
      after?.(i);
    }
    return null;
  }

  function runJob(i: number): CopyFailure | null {
    let failure: CopyFailure | null = null;
    try {
      const src = b.src[i] as string;
      const dst = b.dst[i] as string;
      if (src !== '') fsm.copyFileSync(src, dst, b.flags);
      const uid = b.attrs[4 * i] as number;
      const gid = b.attrs[4 * i + 1] as number;
      const mode = b.attrs[4 * i + 2] as number;
      const size = b.attrs[4 * i + 3] as number;
      let st = fsm.lstatSync(dst);
      if (!st.isFile() || st.nlink !== 1) {
        failure = { index: i, kind: 'write', detail: 'staged file is not the regular file we created' };
      } else if (st.size !== size) {
        failure = {
          index: i,
          kind: 'changed',
          detail: `size ${st.size} differs from the plan's ${size}: the source changed since planning`,
        };
      } else {
        const chown = st.uid !== uid || st.gid !== gid;
        if (chown || (st.mode & 0o7777) !== (mode & 0o7777)) {
          // Through a descriptor of that same inode, never the name again.
          const fd = fsm.openSync(dst, O_RDONLY | O_NOFOLLOW);
          try {
            const same = fsm.fstatSync(fd);
            if (same.ino !== st.ino || same.dev !== st.dev) {
              failure = { index: i, kind: 'write', detail: 'staged file is not the regular file we created' };
            } else {
              if (chown) fsm.fchownSync(fd, uid, gid);
              fsm.fchmodSync(fd, mode & 0o7777);
              st = fsm.fstatSync(fd);
            }
          } finally {
            fsm.closeSync(fd);
          }
        }
        if (failure === null) {
          b.stats.set([st.dev, st.ino, st.ctimeMs, st.size], 4 * i);
          Atomics.add(b.bytes, 0, BigInt(size));
        }
      }
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      failure = { index: i, kind: 'write', detail: typeof code === 'string' ? code : String(err) };
    }
    return failure;
  }
}
