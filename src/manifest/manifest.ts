import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  type Stats,
} from 'node:fs';
import { errnoCode, ManifestError } from '../errors.js';
import { octalMode } from '../sys/index.js';
import { capabilitiesOf } from './capabilities.js';
import type { EntryType, Manifest, ManifestEntry } from './types.js';

export interface ManifestOptions {
  /** Skip hashing (sha256 null): for quick structural comparisons. */
  hash?: boolean;
  /** Read security.capability xattrs (one getfattr run); default true. */
  capabilities?: boolean;
  /** Paths (in-tree) whose contents are not listed: the directory itself is, its children not. */
  prune?: (path: string) => boolean;
  /** Called with each entry and its lstat, e.g. to keep inode numbers for a later comparison. */
  onEntry?: (entry: ManifestEntry, st: Stats) => void;
  /**
   * Leave out entries that vanish or change type while the walk runs (a live jail being compared
   * with a plan) instead of failing; the caller treats what it could not see as different.
   */
  skipVanished?: boolean;
  /**
   * A symlink's target when the caller already knows it for this very inode (build's state: a
   * link's target never changes in place), saving the readlink; undefined to read it.
   */
  knownTarget?: (path: string, st: Stats) => string | undefined;
}

const VANISHED = new Set(['ENOENT', 'ENOTDIR', 'ELOOP']);

/** Linux encodes major/minor in dev_t with this split (glibc gnu_dev_major/minor). */
export function splitDev(rdev: number): [number, number] {
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
  return [major >>> 0, minor >>> 0];
}

export function entryType(st: Stats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

const CHUNK = 1 << 20;

/**
 * sha256 of a file, read through one reused buffer so memory does not grow with file size.
 * Never follows a symlink at the last component (a tree being hashed may be hostile) and never
 * blocks on a FIFO swapped in after the lstat: anything but a regular file is refused.
 */
export function sha256File(file: string, buf: Buffer = Buffer.allocUnsafe(CHUNK)): string {
  const h = createHash('sha256');
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) {
      throw new ManifestError('MANIFEST_NOT_FILE', 'changed into a non-regular file while reading', {
        path: file,
      });
    }
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/**
 * Describes every entry of a tree: lstat only, never following a link, sorted by path (bytewise
 * on the UTF-8 names), hard links within the tree shown as links to their first path.
 */
export function manifestOf(dir: string, opts: ManifestOptions = {}): Manifest {
  const hash = opts.hash ?? true;
  let rootSt: Stats;
  try {
    rootSt = lstatSync(dir);
  } catch (e) {
    throw new ManifestError('MANIFEST_NOT_FOUND', `cannot read tree: ${errnoCode(e) ?? e}`, { path: dir });
  }
  if (!rootSt.isDirectory()) throw new ManifestError('MANIFEST_NOT_DIR', 'not a directory', { path: dir });
  const entries: ManifestEntry[] = [];
  const firstLink = new Map<string, string>();
  const buf = Buffer.allocUnsafe(CHUNK);

  const visit = (host: string, rel: string, st: Stats): void => {
    const type = entryType(st);
    const e: ManifestEntry = {
      path: rel,
      type,
      mode: octalMode(st.mode),
      uid: st.uid,
      gid: st.gid,
      size: 0,
      sha256: null,
      target: null,
      rdev: type === 'char' || type === 'block' ? splitDev(st.rdev) : null,
    };
    if (type === 'symlink') {
      const target = opts.knownTarget?.(rel, st) ?? tolerate(() => readlinkSync(host));
      if (target === undefined) return;
      e.target = target;
    }
    if (type === 'file') {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? firstLink.get(key) : undefined;
      if (first !== undefined) {
        e.type = 'hardlink';
        e.target = first;
      } else {
        if (st.nlink > 1) firstLink.set(key, rel);
        e.size = st.size;
        if (hash) e.sha256 = sha256File(host, buf);
      }
    }
    entries.push(e);
    opts.onEntry?.(e, st);
    if (type === 'dir' && !(rel !== '/' && opts.prune?.(rel))) {
      const names = tolerate(() => readdirSync(host).sort(compareBytes)) ?? [];
      for (const name of names) {
        const child = `${host}/${name}`;
        const cst = tolerate(() => lstatSync(child));
        if (cst !== undefined) visit(child, rel === '/' ? `/${name}` : `${rel}/${name}`, cst);
      }
    }
  };
  const tolerate = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (opts.skipVanished && VANISHED.has(errnoCode(e) ?? '')) return undefined;
      throw e;
    }
  };
  visit(dir.replace(/\/+$/, '') || '/', '/', rootSt);
  if (opts.capabilities ?? true) {
    const caps = capabilitiesOf(dir);
    // A capability belongs to the inode: it is described once, at the first link.
    if (caps.size > 0)
      for (const e of entries) if (e.type === 'file' && caps.has(e.path)) e.capability = caps.get(e.path);
  }
  return { entries };
}

/**
 * Bytewise order of UTF-8 names, the order GNU tar --sort=name and our archives use. Compared on
 * UTF-16 code units without encoding (sorting a jail's paths made a Buffer per comparison):
 * UTF-8 order is code point order, which code units follow except that a surrogate (a code point
 * past U+FFFF) must sort after U+E000..U+FFFF; the shift below puts it there.
 */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
