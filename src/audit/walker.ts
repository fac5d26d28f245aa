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
}

const { S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFSOCK, S_IFIFO } = constants;
// A Map from the fs constants: numeric object keys written in octal get mangled by formatters.
const TYPES = new Map<number, EntryType>([
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
const share = (v: bigint): bigint => (v < 4096n ? (SMALL[Number(v)] as bigint) : v);

/**
 * An entry whose host path is computed from the jail's and its own when asked (a few checks
 * read files; the walk no longer keeps a second copy of every path). Names that are not plain
 * text keep their raw host path.
 */
class WalkedEntry implements Entry {
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  dev: bigint;
  ino: bigint;
  nlink: bigint;
  rdev: bigint;
  size: bigint;
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
    st: BigIntStats,
    readonly path: string,
    host: string | Buffer,
    raw: Buffer | undefined,
    inMount: boolean,
    nosuid: boolean,
    dev: bigint,
  ) {
    const mode = Number(st.mode);
    this.type = TYPES.get(mode & S_IFMT) ?? 'file';
    this.mode = mode & 0o7777;
    this.uid = Number(st.uid);
    this.gid = Number(st.gid);
    this.dev = st.dev === dev ? dev : st.dev;
    this.ino = st.ino;
    this.nlink = share(st.nlink);
    this.rdev = share(st.rdev);
    this.size = share(st.size);
    if (typeof host !== 'string') this.rawHost = host;
    if (raw) this.raw = raw;
    if (inMount) (this as { inMount: boolean }).inMount = true;
    if (nosuid) (this as { nosuid: boolean }).nosuid = true;
  }

  get host(): string | Buffer {
    if (this.rawHost) return this.rawHost;
    return this.path === '/' ? this.base || '/' : this.base + this.path;
  }
}

/** The entry class of one walk: the jail's path and the usual flags live once, on its prototype. */
function entryClass(base: string): typeof WalkedEntry {
  const C = class extends WalkedEntry {};
  Object.assign(C.prototype, { base, inMount: false, nosuid: false });
  return C;
}

interface Pending {
  entry: Entry;
  inMount: boolean;
  nosuid: boolean;
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
  const warnings: AuditWarning[] = [];
  const linksSeen = new Map<bigint, number>();
  // Stacked mounts: the last one mounted on a point is the one visible there.
  const mountAt = new Map<string, MountInfo>();
  for (const m of mountsUnder) mountAt.set(m.mountPoint, m);

  const rootSt = lstatSync(jail, { bigint: true });
  const jailDev = rootSt.dev;
  // Host path of an in-jail path: the jail's own path in front ('' for a jail at /).
  const base = jail === '/' ? '' : jail.replace(/\/+$/, '');
  const Walked = entryClass(base);
  const root: Entry = new Walked(rootSt, '/', jail, undefined, false, jailNosuid, jailDev);
  const entries: Entry[] = [root];
  const stack: Pending[] = [{ entry: root, inMount: false, nosuid: jailNosuid }];
  let nextReport = 1000;
  const descend = opts.descend ?? ((m: MountInfo) => JAIL_LOCAL_FS.has(m.fstype));

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
    for (const name of names) {
      const { text, escaped } = printable(name);
      const p = childPath(dir.path, text);
      let host: string | Buffer;
      let raw: Buffer | undefined;
      if (!escaped && typeof dir.host === 'string' && !dir.raw) {
        host = dir.host === '/' ? `/${text}` : `${dir.host}/${text}`;
      } else {
        const sep = Buffer.from('/');
        host = Buffer.concat([dir.host === '/' ? Buffer.alloc(0) : Buffer.from(dir.host), sep, name]);
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
      const e: Entry = new Walked(st, p, host, raw, childInMount, childNosuid, jailDev);
      if (mount) {
        e.mountPoint = mount;
        if (!descend(mount)) e.foreign = true;
      }
      entries.push(e);
      if (e.type === 'symlink') {
        try {
          const t = readlinkSync(host, { encoding: 'buffer' });
          const pt = printable(t);
          e.target = pt.text;
          if (pt.escaped) e.targetRaw = t;
        } catch (err) {
          warnings.push({ path: p, message: `cannot read link (${errnoCode(err) ?? String(err)})` });
        }
      } else if (e.type === 'file' && e.nlink > 1n && !childInMount && e.dev === jailDev) {
        linksSeen.set(e.ino, (linksSeen.get(e.ino) ?? 0) + 1);
      } else if (e.type === 'dir' && (!mount || descend(mount))) {
        subdirs.push({ entry: e, inMount: childInMount, nosuid: childNosuid });
      }
    }
    // Reverse so the stack pops subdirectories in sorted order: a stable, deterministic order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i] as Pending);
    if (opts.onProgress && entries.length >= nextReport) {
      opts.onProgress(entries.length, dir.path);
      nextReport = entries.length + 1000;
    }
  }
  return { root, entries, warnings, linksSeen };
}
