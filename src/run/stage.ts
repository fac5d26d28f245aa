/**
 * Where runs keep their host-side places: the staging base below, and the parent of each run's
 * work dir (workDirParent).
 *
 * The staging base is the host directory each job's staging tmpfs is mounted over (engine.ts, fstabText), every job
 * in a mount namespace of its own: on the host it stays an empty directory whatever runs, so no
 * host directory is ever a mount point to be removed after a job (the kernel makes that rmdir
 * wait for the dead namespace's mounts to go), and concurrent jobs share it without meeting.
 */
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunError } from '../errors.js';
import { mountOf, readMountinfo } from '../sys/index.js';

let known: string | null = null;

export function stagingBase(): string {
  if (known) return known;
  const uid = process.geteuid?.() ?? 0;
  const dir =
    uid === 0 && existsSync('/run')
      ? '/run/jailsmith-stage'
      : path.join(process.env.XDG_RUNTIME_DIR || os.tmpdir(), `jailsmith-stage-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  // Made by someone else (a shared /tmp): not a place this run mounts over.
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid) {
    throw new RunError('RUN_STAGE', `the staging directory is not a directory of uid ${uid}`, {
      path: dir,
      hint: 'remove it; jailsmith makes it again',
    });
  }
  known = dir;
  return dir;
}

const SHM = '/dev/shm';

let workParent: string | null = null;

/**
 * Where a run's work dir (its fstab, error file and file-bind points, alive for the job's
 * milliseconds) is made: the caller's TMPDIR when one is set; else /dev/shm when it is a tmpfs
 * open to all with the sticky bit, as on every Linux with glibc (the directory and its files, made
 * and removed at every job, cost a disk file system up to 0.5 ms of a ~15 ms job start); else
 * os.tmpdir().
 */
export function workDirParent(): string {
  if (workParent) return workParent;
  let dir = os.tmpdir();
  if (!process.env.TMPDIR) {
    try {
      const st = lstatSync(SHM);
      const fs = mountOf(readMountinfo(), SHM)?.fstype;
      if (st.isDirectory() && (st.mode & 0o1777) === 0o1777 && fs === 'tmpfs') dir = SHM;
    } catch {} // no /dev/shm: the temp directory
  }
  workParent = dir;
  return dir;
}
