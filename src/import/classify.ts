import { closeSync, lstatSync, openSync, readSync, statSync } from 'node:fs';
import type { SourceRoot } from '../resolve/index.js';
import { globRoot } from '../sys/index.js';

export type PathKind = 'binary' | 'file' | 'tree' | 'device' | 'missing';

/** Expands a glob inside the root (sorted, no dotfiles for `*`, as Python's glob); dangling links dropped. */
export function expandGlob(root: SourceRoot, pattern: string): string[] {
  return globRoot(root, pattern).filter((p) => root.realpath(p) !== null);
}

function head(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    return b.subarray(0, readSync(fd, b, 0, 4, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * What an existing in-root path becomes in a spec: executable ELF files and scripts are
 * binaries (they bring their closure), directories trees, device nodes devices, the rest files.
 */
export function classify(root: SourceRoot, p: string): PathKind {
  const real = root.realpath(p);
  if (!real) return 'missing';
  const host = root.host(real.path);
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(host);
  } catch {
    return 'missing';
  }
  if (st.isDirectory()) return 'tree';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  if (!st.isFile()) return 'file';
  let h: Buffer;
  try {
    h = head(host);
  } catch {
    return 'file';
  }
  // Only executables are binaries (the spec requires it); a library listed as a file still gets
  // its closure, as the plan resolves every copied ELF file.
  if ((st.mode & 0o111) === 0) return 'file';
  if (h.length === 4 && h.readUInt32BE(0) === 0x7f454c46) return 'binary';
  if (h.subarray(0, 2).toString('latin1') === '#!') return 'binary';
  return 'file';
}

export function hostDevice(
  p: string,
): { type: 'char' | 'block'; major: number; minor: number; mode: number } | null {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(p);
  } catch {
    return null;
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) return null;
  const rdev = st.rdev;
  // glibc's gnu_dev_major/minor on the 64-bit dev_t
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff & 0xfffff);
  return { type: st.isCharacterDevice() ? 'char' : 'block', major, minor, mode: st.mode & 0o7777 };
}
