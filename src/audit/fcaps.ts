/**
 * File capabilities (security.capability). Node has no xattr API, and no native module is
 * installed, so we ask getfattr(1) (package attr) once per batch of regular files we walked.
 *
 * Why getfattr, and not over the whole jail blindly: `getfattr -R` and `getcap -r` both recurse
 * into every mount under the jail (a /proc or a bind of host / there would be walked in full).
 * The walk already knows where foreign mounts are, so planArgs() passes each subtree free of them
 * with -R and names files one by one only beside a foreign mount: a normal jail is ONE call.
 * getfattr prints the raw xattr in hex, which we decode ourselves (getcap prints only its own
 * text form and hides the v3 rootid). A native module would save the process but none is
 * installed and adding one is a build dependency for one syscall.
 * Measured (bench/audit.mjs, 100k entries, 2 loaded cores): getfattr -R ~1.4 s, getcap -r
 * ~0.8 s, getfattr naming each of the ~98k files on argv (5 calls) ~2.4 s.
 */

import { spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import { findHostTool, parseGetfattr } from '../sys/index.js';
import { printable } from './names.js';
import type { Entry, FileCap } from './types.js';

const VFS_CAP_REVISION_MASK = 0xff000000;
const VFS_CAP_FLAGS_EFFECTIVE = 0x000001;

/** Decodes struct vfs_cap_data / vfs_ns_cap_data (little-endian), or undefined if malformed. */
export function decodeFileCap(raw: Buffer): FileCap | undefined {
  if (raw.length < 4) return undefined;
  const magic = raw.readUInt32LE(0);
  const rev = (magic & VFS_CAP_REVISION_MASK) >>> 0;
  const effective = (magic & VFS_CAP_FLAGS_EFFECTIVE) !== 0;
  if (rev === 0x01000000 && raw.length >= 12) {
    return {
      version: 1,
      effective,
      permitted: BigInt(raw.readUInt32LE(4)),
      inheritable: BigInt(raw.readUInt32LE(8)),
    };
  }
  if ((rev === 0x02000000 && raw.length >= 20) || (rev === 0x03000000 && raw.length >= 24)) {
    const permitted = BigInt(raw.readUInt32LE(4)) | (BigInt(raw.readUInt32LE(12)) << 32n);
    const inheritable = BigInt(raw.readUInt32LE(8)) | (BigInt(raw.readUInt32LE(16)) << 32n);
    const cap: FileCap = { version: rev === 0x02000000 ? 2 : 3, effective, permitted, inheritable };
    if (rev === 0x03000000) cap.rootid = raw.readUInt32LE(20);
    return cap;
  }
  return undefined;
}

/**
 * Whether a regular file's capabilities could ever be granted: execve needs an x bit, even for
 * root (CAP_DAC_OVERRIDE lets root run a file only when at least one x bit is set), and only the
 * owner (or root, already all-powerful) can add one: chmod keeps security.capability, while any
 * write to the file removes it (the kernel's killpriv). So a file with no x bit owned by root
 * cannot confer its capabilities on anyone, and its xattr is not read: on a jail of libraries and
 * data that is most of its files, and one lgetxattr each was a third of the audit's CPU.
 */
export const capsCanApply = (mode: number, uid: number): boolean => (mode & 0o111) !== 0 || uid !== 0;

/** Keep argv well below the usual 2 MiB ARG_MAX, which also counts the environment. */
const ARG_BUDGET = 1_000_000;
const O_PATH = 0o10000000;

export interface FileCapResult {
  caps: Map<string, FileCap>;
  calls: number;
  error?: string;
}

/**
 * Which arguments getfattr gets. A directory with no foreign mount below it is passed whole
 * (-R, one readdir walk in C, ~2x cheaper than naming each file); directories above a foreign
 * mount, or with names argv cannot carry, are expanded: their files named one by one.
 */
export function planArgs(entries: readonly Entry[]): { roots: Entry[]; singles: Entry[] } {
  const expand = new Set<string>();
  const mark = (p: string) => {
    for (let q = p; !expand.has(q); q = path.posix.dirname(q)) {
      expand.add(q);
      if (q === '/') break;
    }
  };
  for (const e of entries) {
    if (e.foreign) mark(path.posix.dirname(e.path));
    else if (e.type === 'dir' && typeof e.host !== 'string') mark(e.path);
  }
  const roots: Entry[] = [];
  const singles: Entry[] = [];
  for (const e of entries) {
    if (e.foreign) continue;
    const parentExpanded = e.path === '/' || expand.has(path.posix.dirname(e.path));
    if (!parentExpanded) continue;
    if (e.type === 'dir' && !expand.has(e.path)) roots.push(e);
    else if (e.type === 'file') singles.push(e);
  }
  return { roots, singles };
}

const MAX_OUTPUT = 1 << 30;

/**
 * One getfattr run: its stdout (exit 0, or 1 when some file could not be read: reported as a walk
 * warning already, the rest is valid), or why not. node:child_process, not execa: loading execa
 * cost every `jailsmith audit` 20-30 ms of CPU for this one call.
 */
export function getfattr(flags: string[], args: string[]): Promise<{ out?: Buffer; error?: string }> {
  const argv = [
    ...flags,
    '-d',
    '-m',
    '^security\\.capability$',
    '-e',
    'hex',
    '--absolute-names',
    '--',
    ...args,
  ];
  // From the system's directories, never the caller's PATH.
  const bin = findHostTool('getfattr');
  if (!bin) return Promise.resolve({ error: 'getfattr not found (install the attr package)' });
  return new Promise((resolve) => {
    const child = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let failed: string | undefined;
    child.stdout.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_OUTPUT) {
        failed ??= 'getfattr failed (output over 1 GiB)';
        child.kill('SIGKILL');
      } else chunks.push(b);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      failed ??=
        e.code === 'ENOENT' ? 'getfattr not found (install the attr package)' : `getfattr failed (${e.code})`;
    });
    child.on('close', (code, signal) => {
      if (failed !== undefined) resolve({ error: failed });
      else if (code !== 0 && code !== 1) resolve({ error: `getfattr failed (${code ?? signal})` });
      else resolve({ out: Buffer.concat(chunks) });
    });
  });
}

/**
 * Reads security.capability for the walked regular files; keys of the result are in-jail paths.
 * Names getfattr prints are mapped back through `lookup` (in-jail printable path → entry), so no
 * per-file index is built for the few files that carry capabilities.
 */
export async function readFileCaps(
  entries: readonly Entry[],
  jail: string,
  lookup: (inJail: string) => Entry | undefined,
): Promise<FileCapResult> {
  const caps = new Map<string, FileCap>();
  const aliases = new Map<string, Entry>();
  const prefix = Buffer.from(jail === '/' ? '' : jail);
  const byName = (latin1: string): Entry | undefined => {
    const alias = aliases.get(latin1);
    if (alias) return alias;
    const raw = Buffer.from(latin1, 'latin1');
    if (!raw.subarray(0, prefix.length).equals(prefix) || raw[prefix.length] !== 0x2f) return undefined;
    const e = lookup(printable(raw.subarray(prefix.length)).text);
    return e?.type === 'file' ? e : undefined;
  };
  const { roots, singles } = planArgs(entries);
  const batches: { flags: string[]; args: string[] }[] = [];
  const push = (flags: string[], arg: string) => {
    let b = batches[batches.length - 1];
    const size = b ? b.args.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0) : 0;
    if (!b || b.flags !== flags || size + Buffer.byteLength(arg) + 1 > ARG_BUDGET) {
      b = { flags, args: [] };
      batches.push(b);
    }
    b.args.push(arg);
  };
  const RECURSIVE = ['-R', '-P'];
  const FILES: string[] = []; // no -h: /proc/PID/fd/N must be followed to the file
  const fds: number[] = [];
  try {
    for (const d of roots) push(RECURSIVE, d.host as string);
    for (const e of singles) {
      if (typeof e.host === 'string') {
        push(FILES, e.host);
        continue;
      }
      // argv cannot carry these bytes: open the walked name with O_PATH|O_NOFOLLOW (no read of
      // the contents, no link followed) and name it through our own fd table.
      try {
        const fd = openSync(e.host, O_PATH | constants.O_NOFOLLOW);
        fds.push(fd);
        const alias = `/proc/${process.pid}/fd/${fd}`;
        aliases.set(alias, e);
        push(FILES, alias);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
    }
    for (const b of batches) {
      const r = await getfattr(b.flags, b.args);
      if (r.error) return { caps, calls: batches.indexOf(b) + 1, error: r.error };
      for (const [name, value] of parseGetfattr(r.out as Buffer)) {
        const e = byName(name);
        const cap = decodeFileCap(value);
        if (e && cap) caps.set(e.path, cap);
      }
    }
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  return { caps, calls: batches.length };
}
