/**
 * Whether any of a list of directories changed since the watch was set: an inotify watch on each
 * (fs.watch). The kernel queues the event inside the very syscall that adds, removes or renames
 * an entry, or changes the directory's (or an entry's) mode, owner, times or content, so once
 * the event loop has polled after a change returned, `changed` says so. This lets the run gate
 * skip a stat per directory at every job while nothing changed.
 *
 * Only for file systems whose every change passes through this kernel (inotify does not see
 * another NFS client's writes, nor FUSE servers' own changes): local() says which.
 */
import { type FSWatcher, watch } from 'node:fs';
import { setImmediate as loopTurn } from 'node:timers/promises';
import { type MountInfo, mountOf, readMountinfo } from '../sys/index.js';

export interface DirWatch {
  /** True once an event (or an error) came for any watched directory; the watch then stops. */
  readonly changed: boolean;
  close(): void;
}

/**
 * File systems local() trusts: every change to them passes through this kernel (an overlay's
 * through the overlay; changing its layers underneath it is undefined anyway).
 */
const LOCAL_FS = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'tmpfs', 'f2fs', 'zfs', 'overlay']);

export function local(dir: string, mounts: readonly MountInfo[] = readMountinfo()): boolean {
  return LOCAL_FS.has(mountOf(mounts, dir)?.fstype ?? '');
}

/**
 * Watches each directory (no more than `max`), or returns null when that cannot be done (too
 * many, or the kernel's watch limit reached): the caller then looks for itself.
 */
export function watchDirs(dirs: readonly string[], max: number): DirWatch | null {
  if (dirs.length > max) return null;
  const watchers: FSWatcher[] = [];
  let changed = false;
  const close = () => {
    for (const w of watchers) w.close();
    watchers.length = 0;
  };
  const onChange = () => {
    changed = true;
    close();
  };
  try {
    for (const dir of dirs) {
      // Not persistent: a watch never keeps the caller's process alive.
      const w = watch(dir, { persistent: false }, onChange);
      w.on('error', onChange);
      watchers.push(w);
    }
  } catch {
    close();
    return null;
  }
  return {
    get changed() {
      return changed;
    },
    close,
  };
}

/**
 * Lets the event loop poll for events, so every event queued before this call has been seen. Two
 * turns: called from an I/O callback, the first immediate runs in the same loop iteration, whose
 * poll came before the change; the second comes after the next poll.
 */
export async function settleWatches(): Promise<void> {
  await loopTurn();
  await loopTurn();
}
