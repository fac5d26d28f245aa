import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { Resolver } from '../resolve/index.js';
import type { MountInfo } from '../sys/index.js';
import { PathIndex } from './path-index.js';
import type { AuditContext, AuditWarning, Entry, FileCap } from './types.js';
import type { WalkResult } from './walker.js';

export interface ContextInput {
  jail: string;
  jailGiven: string;
  walk: WalkResult;
  mounts: readonly MountInfo[];
  mountsUnder: readonly MountInfo[];
  jailMount: MountInfo | undefined;
  fileCaps: Map<string, FileCap>;
  warnings: AuditWarning[];
  makeResolver: () => Promise<Resolver | undefined>;
}

/**
 * Reads at most `max` bytes of a file the walk met as a regular file. O_NOFOLLOW|O_NONBLOCK and a
 * dev/ino comparison refuse anything swapped in since the walk (a link, a fifo, another inode).
 */
function readWalked(e: Entry, max: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(
      e.host,
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY,
    );
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile() || st.dev !== e.dev || st.ino !== e.ino) return undefined;
    const buf = Buffer.alloc(Math.min(max, Number(st.size)));
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, n);
      if (r === 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export function buildContext(input: ContextInput): AuditContext {
  const { entries } = input.walk;
  const byPath = new PathIndex(entries, input.walk.listed);
  const files: Entry[] = [];
  const dirs: Entry[] = [];
  const symlinks: Entry[] = [];
  const devices: Entry[] = [];
  const sockets: Entry[] = [];
  // Setuid, or setgid with group exec: noted in this one pass over every entry, not a second.
  let setid = false;
  for (const e of entries) {
    if (e.type === 'file') {
      files.push(e);
      if (e.mode & 0o4000 || (e.mode & 0o2010) === 0o2010) setid = true;
    } else if (e.type === 'dir') dirs.push(e);
    else if (e.type === 'symlink') symlinks.push(e);
    else if (e.type === 'char' || e.type === 'block') devices.push(e);
    else if (e.type === 'socket') sockets.push(e);
  }
  let hasPrivileged: boolean | undefined;
  let resolver: Promise<Resolver | undefined> | undefined;
  return {
    jail: input.jail,
    jailGiven: input.jailGiven,
    root: input.walk.root,
    entries,
    byPath,
    files,
    dirs,
    symlinks,
    devices,
    sockets,
    mounts: input.mounts,
    mountsUnder: input.mountsUnder,
    jailMount: input.jailMount,
    fileCaps: input.fileCaps,
    linksSeen: input.walk.linksSeen,
    get hasPrivilegedFiles() {
      hasPrivileged ??= input.fileCaps.size > 0 || setid;
      return hasPrivileged;
    },
    readFile(p, max = 1 << 20) {
      const e = byPath.get(p);
      return e?.type === 'file' ? readWalked(e, max) : undefined;
    },
    warn(p, message) {
      input.warnings.push({ path: p, message });
    },
    resolver() {
      resolver ??= input.makeResolver();
      return resolver;
    },
  };
}
