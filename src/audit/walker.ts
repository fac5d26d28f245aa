import { type BigIntStats, constants, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { errnoCode } from '../errors.js';
import { JAIL_LOCAL_FS, type MountInfo, pathKey } from '../sys/index.js';
import { childPath, printable } from './names.js';
import type { AuditWarning, Entry, EntryType } from './types.js';

export interface WalkOptions {
  /** Called about every 1000 entries with the count so far and the directory being read. */
  onProgress?: (entries: number, dir: string) => void;
  /** Whether to walk into a mount under the jail (default: tmpfs, devpts, mqueue, ramfs). */
  descend?: (m: MountInfo) => boolean;
}

export interface WalkResult {
  root: Entry;
  /** Every entry, the root first; each directory's children sorted, directories visited in order. */
  entries: Entry[];
  warnings: AuditWarning[];
  /** inode → links met, for regular files with nlink > 1 on the jail's own device only. */
  linksSeen: Map<bigint, number>;
  /**
   * In-jail path of each directory read → where its children lie in `entries` [start, end): a
   * directory's children are listed together. Lets the context find an entry without a map of all.
   */
  listed: Map<string, [number, number]>;
}

const { S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFSOCK, S_IFIFO } = constants;
// A Map from the fs constants: numeric object keys written in octal get mangled by formatters.
export const TYPES = new Map<number, EntryType>([
  [S_IFREG, 'file'],
  [S_IFDIR, 'dir'],
  [S_IFLNK, 'symlink'],
  [S_IFCHR, 'char'],
  [S_IFBLK, 'block'],
  [S_IFSOCK, 'socket'],
  [S_IFIFO, 'fifo'],
]);

/**
 * Small BigInts shared: nlink, rdev and size are 0n, 1n, 2n... for most entries, and each lstat
 * makes fresh BigInt objects. Sharing them (and the device, the same for nearly all entries) is
 * what keeps a million-entry walk within its memory budget.
 */
const SMALL: bigint[] = Array.from({ length: 4096 }, (_, i) => BigInt(i));
export const share = (v: bigint): bigint => (v < 4096n ? (SMALL[Number(v)] as bigint) : v);
export const shareNumber = (n: number): bigint => (n < 4096 ? (SMALL[n] as bigint) : BigInt(n));

/**
 * A walked entry's constructor (see entryClass). Its parameters are written out again here: the
 * class is local to entryClass and has private members, which a declaration file cannot name, and
 * a shared rest tuple would allocate an array for each of a million entries.
 */
export type WalkedClass = new (
  type: EntryType,
  mode: number,
  uid: number,
  gid: number,
  dev: bigint,
  ino: bigint,
  nlink: bigint,
  rdev: bigint,
  size: bigint,
  path: string,
  rawHost: Buffer | undefined,
  raw: Buffer | undefined,
  inMount: boolean,
  nosuid: boolean,
) => Entry;

/**
 * The entry class of one walk: the jail's path and the usual flags live once, on its prototype.
 * A class per walk rather than a subclass per walk of one class: no derived constructor and its
 * super() call for every entry (they showed in profiles of a 100k-entry walk).
 */
export function entryClass(base: string): WalkedClass {
  /**
   * An entry whose host path is computed from the jail's and its own when asked (a few checks
   * read files; the walk no longer keeps a second copy of every path). Names that are not plain
   * text keep their raw host path.
   */
  class WalkedEntry implements Entry {
    // Declared, not class fields: ES2022 fields are defined one by one on every instance before
    // the constructor runs (an instance-members initializer), the largest cost of parsing a
    // 100k-entry walk. Assigned in the constructor, always in this order: one hidden class.
    declare readonly path: string;
    declare type: EntryType;
    declare mode: number;
    declare uid: number;
    declare gid: number;
    declare dev: bigint;
    declare ino: bigint;
    declare nlink: bigint;
    declare rdev: bigint;
    declare size: bigint;
    // Declared only: set on the few entries that have them, not a slot in every one of a million.
    declare raw?: Buffer;
    declare target?: string;
    declare targetRaw?: Buffer;
    declare mountPoint?: MountInfo;
    declare foreign?: boolean;
    declare private rawHost?: Buffer;
    // On the prototype (see entryClass): false, or the walk's jail path, unless set on the entry.
    declare readonly inMount: boolean;
    declare readonly nosuid: boolean;
    declare private readonly base: string;

    constructor(
      type: EntryType,
      mode: number,
      uid: number,
      gid: number,
      dev: bigint,
      ino: bigint,
      nlink: bigint,
      rdev: bigint,
      size: bigint,
      path: string,
      rawHost: Buffer | undefined,
      raw: Buffer | undefined,
      inMount: boolean,
      nosuid: boolean,
    ) {
      (this as { path: string }).path = path;
      this.type = type;
      this.mode = mode;
      this.uid = uid;
      this.gid = gid;
      this.dev = dev;
      this.ino = ino;
      this.nlink = nlink;
      this.rdev = rdev;
      this.size = size;
      if (rawHost) this.rawHost = rawHost;
      if (raw) this.raw = raw;
      if (inMount) (this as { inMount: boolean }).inMount = true;
      if (nosuid) (this as { nosuid: boolean }).nosuid = true;
    }

    get host(): string | Buffer {
      if (this.rawHost) return this.rawHost;
      return this.path === '/' ? this.base || '/' : this.base + this.path;
    }
  }
  Object.assign(WalkedEntry.prototype, { base, inMount: false, nosuid: false });
  return WalkedEntry;
}

/** An entry from lstat's answer. */
function fromStat(
  Walked: WalkedClass,
  st: BigIntStats,
  p: string,
  rawHost: Buffer | undefined,
  raw: Buffer | undefined,
  inMount: boolean,
  nosuid: boolean,
  dev: bigint,
): Entry {
  const mode = Number(st.mode);
  return new Walked(
    TYPES.get(mode & S_IFMT) ?? 'file',
    mode & 0o7777,
    Number(st.uid),
    Number(st.gid),
    st.dev === dev ? dev : st.dev,
    st.ino,
    share(st.nlink),
    share(st.rdev),
    share(st.size),
    p,
    rawHost,
    raw,
    inMount,
    nosuid,
  );
}

export interface Pending {
  entry: Entry;
  inMount: boolean;
  nosuid: boolean;
}

/** What one walk shares: where entries and warnings go, the mounts, the entry class. */
export interface WalkState {
  entries: Entry[];
  warnings: AuditWarning[];
  linksSeen: Map<bigint, number>;
  /** Host path key (pathKey) → the mount visible there. */
  mountAt: Map<string, MountInfo>;
  descend: (m: MountInfo) => boolean;
  Walked: WalkedClass;
  jailDev: bigint;
  onProgress: ((entries: number, dir: string) => void) | undefined;
  nextReport: number;
  listed: Map<string, [number, number]>;
}

/** Stacked mounts: the last one mounted on a point is the one visible there. */
export function mountMap(mountsUnder: readonly MountInfo[]): Map<string, MountInfo> {
  const mountAt = new Map<string, MountInfo>();
  for (const m of mountsUnder) mountAt.set(m.mountPoint, m);
  return mountAt;
}

/**
 * Walks the jail once: lstat only, names as bytes, sorted, never following a link and never
 * entering a foreign mount (tmpfs/devpts/mqueue/ramfs mounted for the jail are walked).
 * `jail` must be a real path (no symlinks) so mount points compare equal.
 */
export function walk(
  jail: string,
  mountsUnder: readonly MountInfo[],
  jailNosuid: boolean,
  opts: WalkOptions = {},
): WalkResult {
  const rootSt = lstatSync(jail, { bigint: true });
  const jailDev = rootSt.dev;
  // Host path of an in-jail path: the jail's own path in front ('' for a jail at /).
  const base = jail === '/' ? '' : jail.replace(/\/+$/, '');
  const Walked = entryClass(base);
  const root = fromStat(Walked, rootSt, '/', undefined, undefined, false, jailNosuid, jailDev);
  const state: WalkState = {
    entries: [root],
    warnings: [],
    linksSeen: new Map(),
    mountAt: mountMap(mountsUnder),
    descend: opts.descend ?? ((m: MountInfo) => JAIL_LOCAL_FS.has(m.fstype)),
    Walked,
    jailDev,
    onProgress: opts.onProgress,
    nextReport: 1000,
    listed: new Map(),
  };
  walkFrom(state, [{ entry: root, inMount: false, nosuid: jailNosuid }]);
  const { entries, warnings, linksSeen, listed } = state;
  return { root, entries, warnings, linksSeen, listed };
}

/**
 * The walk below the directories on `stack` (their own entries already listed), appending to
 * `s.entries` in walk order. The find walker (find-walk.ts) calls it for a directory find could
 * not read, so the warnings and entries are this walker's own.
 */
export function walkFrom(s: WalkState, stack: Pending[]): void {
  const { entries, warnings, linksSeen, mountAt, descend, Walked, jailDev } = s;
  while (stack.length > 0) {
    const { entry: dir, inMount, nosuid } = stack.pop() as Pending;
    let names: Buffer[];
    try {
      names = readdirSync(dir.host, { encoding: 'buffer' });
    } catch (e) {
      warnings.push({
        path: dir.path,
        message: `cannot read directory (${errnoCode(e) ?? String(e)}); its contents were not audited`,
      });
      continue;
    }
    names.sort(Buffer.compare);
    const subdirs: Pending[] = [];
    const first = entries.length;
    for (const name of names) {
      const { text, escaped } = printable(name);
      const p = childPath(dir.path, text);
      let host: string | Buffer;
      let rawHost: Buffer | undefined;
      let raw: Buffer | undefined;
      if (!escaped && typeof dir.host === 'string' && !dir.raw) {
        host = dir.host === '/' ? `/${text}` : `${dir.host}/${text}`;
      } else {
        const sep = Buffer.from('/');
        rawHost = Buffer.concat([dir.host === '/' ? Buffer.alloc(0) : Buffer.from(dir.host), sep, name]);
        host = rawHost;
        raw = Buffer.concat([dir.raw ?? Buffer.from(dir.path === '/' ? '' : dir.path), sep, name]);
      }
      let st: BigIntStats | undefined;
      try {
        st = lstatSync(host, { bigint: true, throwIfNoEntry: false });
      } catch (e) {
        warnings.push({ path: p, message: `cannot lstat (${errnoCode(e) ?? String(e)})` });
        continue;
      }
      if (!st) continue; // removed while we walked
      const mount = mountAt.size > 0 ? mountAt.get(pathKey(host)) : undefined;
      const childInMount = inMount || mount !== undefined;
      const childNosuid = mount ? mount.options.includes('nosuid') : nosuid;
      const e = fromStat(Walked, st, p, rawHost, raw, childInMount, childNosuid, jailDev);
      if (mount) {
        e.mountPoint = mount;
        if (!descend(mount)) e.foreign = true;
      }
      entries.push(e);
      if (e.type === 'symlink') {
        readTarget(e, warnings);
      } else if (e.type === 'file' && e.nlink > 1n && !childInMount && e.dev === jailDev) {
        linksSeen.set(e.ino, (linksSeen.get(e.ino) ?? 0) + 1);
      } else if (e.type === 'dir' && (!mount || descend(mount))) {
        subdirs.push({ entry: e, inMount: childInMount, nosuid: childNosuid });
      }
    }
    s.listed.set(dir.path, [first, entries.length]);
    // Reverse so the stack pops subdirectories in sorted order: a stable, deterministic order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i] as Pending);
    if (s.onProgress && entries.length >= s.nextReport) {
      s.onProgress(entries.length, dir.path);
      s.nextReport = entries.length + 1000;
    }
  }
}

/** Sets a symlink's target from readlink, or warns. */
export function readTarget(e: Entry, warnings: AuditWarning[]): void {
  try {
    const t = readlinkSync(e.host, { encoding: 'buffer' });
    const pt = printable(t);
    e.target = pt.text;
    if (pt.escaped) e.targetRaw = t;
  } catch (err) {
    warnings.push({ path: e.path, message: `cannot read link (${errnoCode(err) ?? String(err)})` });
  }
}
