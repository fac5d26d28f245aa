/**
 * File descriptors this process inherited open without close-on-exec (a caller's `exec 9</srv`,
 * socket activation...). Node opens everything of its own close-on-exec, but children get these,
 * and bubblewrap passes every open fd on to the job: a directory fd is a way out of any root.
 * The job's chain gets /dev/null in their place instead; this process keeps its own.
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';

const O_CLOEXEC = 0o2000000;

/**
 * An fd's fdinfo starts with pos, flags, mnt_id and ino, so the flags line is in the first bytes
 * read (an epoll or inotify fd lists its entries after, past this buffer for many).
 */
const info = Buffer.alloc(4096);

export function inheritedFds(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd < 3) continue;
    // Read by hand: readFileSync's fstat, read-to-end and string of a whole file cost half again
    // as much, for ~25 fds per job start.
    let text: string;
    try {
      const f = openSync(`/proc/self/fdinfo/${fd}`, 'r');
      try {
        text = info.toString('latin1', 0, readSync(f, info, 0, info.length, null));
      } finally {
        closeSync(f);
      }
    } catch {
      continue; // the listing's own fd, closed by now
    }
    const flags = Number.parseInt(/^flags:\s*([0-7]+)/m.exec(text)?.[1] ?? '0', 8);
    if ((flags & O_CLOEXEC) === 0) out.push(fd);
  }
  return out.sort((a, b) => a - b);
}

type Stdio = 'inherit' | 'pipe' | 'ignore' | number;

/**
 * The stdio array for the chain: stdin/out/err inherited, `extra` at 3.. (e.g. the seccomp pipe),
 * and /dev/null over every inherited fd, so none of them reaches the job. The /dev/null fd is
 * returned for the caller to close once the child is spawned.
 */
export function chainStdio(extra: Stdio[]): { stdio: Stdio[]; devNull: number | null } {
  const stdio: Stdio[] = ['inherit', 'inherit', 'inherit', ...extra];
  const leaked = inheritedFds().filter((fd) => fd >= stdio.length || stdio[fd] === 'ignore');
  if (leaked.length === 0) return { stdio, devNull: null };
  const devNull = openSync('/dev/null', 'r+');
  for (const fd of leaked) {
    while (stdio.length <= fd) stdio.push('ignore');
    stdio[fd] = devNull;
  }
  return { stdio, devNull };
}
