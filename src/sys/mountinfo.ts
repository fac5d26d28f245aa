import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { unescapeOctal } from './octal-escape.js';

/** One line of /proc/self/mountinfo (proc_pid_mountinfo(5)), unescaped. */
export interface MountInfo {
  id: number;
  parent: number;
  /** major:minor of the filesystem. */
  devno: string;
  /** The directory of the filesystem that forms this mount's root ('/' unless a bind). */
  root: string;
  /** Mount point, relative to this process's root. */
  mountPoint: string;
  /** Per-mount options (field 6): ro/rw, nosuid, nodev, noexec... */
  options: string[];
  /** Optional fields (field 7): shared:N, master:N, propagate_from:N, unbindable. */
  optional: string[];
  fstype: string;
  source: string;
  superOptions: string[];
}

/**
 * The kernel escapes space, tab, newline and backslash as \ooo in path fields; other bytes pass
 * raw, so unescape on bytes and decode at the end (invalid UTF-8 keeps a latin1 key).
 */
export function unescapeField(field: Buffer): string {
  return pathKey(unescapeOctal(field));
}

/** The key under which a host path is compared: UTF-8 text, or a latin1 image of raw bytes. */
export function pathKey(p: string | Buffer): string {
  if (typeof p === 'string') return p;
  return isUtf8(p) ? p.toString('utf8') : `\u0000latin1:${p.toString('latin1')}`;
}

export function parseMountinfo(text: Buffer): MountInfo[] {
  const mounts: MountInfo[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(0x0a, start);
    if (end < 0) end = text.length;
    const line = text.subarray(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    const fields = splitSpaces(line);
    const sep = fields.findIndex((f) => f.length === 1 && f[0] === 0x2d);
    if (sep < 6 || fields.length < sep + 3) continue;
    const s = (i: number) => (fields[i] as Buffer).toString('latin1');
    mounts.push({
      id: Number(s(0)),
      parent: Number(s(1)),
      devno: s(2),
      root: unescapeField(fields[3] as Buffer),
      mountPoint: unescapeField(fields[4] as Buffer),
      options: s(5).split(','),
      optional: fields.slice(6, sep).map((f) => f.toString('latin1')),
      fstype: s(sep + 1),
      source: unescapeField(fields[sep + 2] as Buffer),
      superOptions: fields[sep + 3] ? s(sep + 3).split(',') : [],
    });
  }
  return mounts;
}

function splitSpaces(line: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let s = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i === line.length || line[i] === 0x20) {
      if (i > s) out.push(line.subarray(s, i));
      s = i + 1;
    }
  }
  return out;
}

/**
 * The mounts of `file`, parsed once per distinct text: reading it is cheap, parsing is not, and a
 * job start reads it several times while nothing changes. Callers must not modify the result.
 */
export function readMountinfo(file = '/proc/self/mountinfo'): readonly MountInfo[] {
  const text = readFileSync(file);
  if (lastRead && lastRead.file === file && lastRead.text.equals(text)) return lastRead.mounts;
  const mounts = parseMountinfo(text);
  lastRead = { file, text, mounts };
  return mounts;
}

let lastRead: { file: string; text: Buffer; mounts: MountInfo[] } | null = null;

/** Is `p` equal to or below directory `dir` (both absolute, normalised)? */
export function isUnder(p: string, dir: string): boolean {
  return dir === '/' ? p.startsWith('/') : p === dir || p.startsWith(`${dir}/`);
}

/** The mount holding `p`: the last-mounted among the longest mount points containing it. */
export function mountOf(mounts: readonly MountInfo[], p: string): MountInfo | undefined {
  let best: MountInfo | undefined;
  for (const m of mounts) {
    if (!isUnder(p, m.mountPoint)) continue;
    if (!best || m.mountPoint.length >= best.mountPoint.length) best = m;
  }
  return best;
}

/** Filesystems a jail legitimately gets mounted for itself: we walk into these. */
export const JAIL_LOCAL_FS = new Set(['tmpfs', 'devpts', 'mqueue', 'ramfs']);
