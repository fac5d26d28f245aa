/**
 * The walk done by GNU find(1) in a process of its own, on another core, while we parse its
 * output here: the walk is syscall bound, and find makes ONE fstatat per entry, relative to its
 * open directory (walker.ts makes a readdir, then an lstat of the full path per entry, all on
 * Node's one thread). Measured on 100k empty files: walker.ts ~0.5 s of lstat alone; find ~0.2 s.
 *
 * The result is the walker's own, entry for entry and in its order (each directory's children
 * sorted by name bytes, directories visited in that order): find's readdir order is regrouped by
 * parent and sorted here. What find cannot print is read here, for the few entries that need it:
 * device numbers of char/block devices (find has no %r), and a symlink target find printed empty
 * (readlink failed; a real target is never empty). When find reports an error, the directories it
 * printed no child of are walked again by walker.ts (which words its warnings); if that explains
 * nothing (a file vanished mid-walk, say), the whole jail is walked by walker.ts instead.
 */
import { spawn } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { findHostTool, JAIL_LOCAL_FS, type MountInfo, pathKey } from '../sys/index.js';
import type { CapsReader } from './fcaps-stream.js';
import { printable } from './names.js';
import type { Entry, EntryType } from './types.js';
import {
  entryClass,
  mountMap,
  type Pending,
  readTarget,
  share,
  shareNumber,
  type WalkOptions,
  type WalkResult,
  type WalkState,
  walk,
  walkFrom,
} from './walker.js';

/** find's %y letters; anything else (D for a door, U unknown) is a file, as in walker.ts. */
const TYPE_OF: Record<string, EntryType> = {
  f: 'file',
  d: 'dir',
  l: 'symlink',
  c: 'char',
  b: 'block',
  s: 'socket',
  p: 'fifo',
};
const TYPE_BY_BYTE = new Map<number, EntryType>(
  Object.entries(TYPE_OF).map(([k, v]) => [k.charCodeAt(0), v]),
);

/**
 * One record: type, octal mode bits, uid, gid, st_dev, inode, nlink, size, all decimal, then the
 * path (./...) and the symlink target (empty for anything else), each ended by a NUL: the only
 * byte a name cannot hold.
 */
const FORMAT = '%y %m %U %G %D %i %n %s %p\\0%l\\0';

/** A parent directory's children, regrouped from find's readdir order. */
interface DirNode {
  entry: Entry;
  parent: DirNode | undefined;
  children: Entry[];
  /** A child name is not ASCII: sort by bytes, not by UTF-16 code units. */
  bytes: boolean;
  sorted: boolean;
}

/** Sorts a directory's children by name bytes, as walker.ts lists them. */
function sortChildren(node: DirNode): void {
  const kids = node.children;
  if (node.bytes) {
    const keys = new Map(kids.map((k) => [k, k.raw ?? Buffer.from(k.path)]));
    kids.sort((a, b) => Buffer.compare(keys.get(a) as Buffer, keys.get(b) as Buffer));
  } else kids.sort((a, b) => (a.path < b.path ? -1 : 1));
  node.sorted = true;
}

function isAncestor(a: DirNode, p: DirNode): boolean {
  for (let q = p.parent; q; q = q.parent) if (q === a) return true;
  return false;
}

const DOT = Buffer.from('.');

/** Escapes fnmatch's special characters so find's -path matches the path literally. */
const literal = (p: string): string => p.replace(/[\\*?[\]]/g, '\\$&');

/**
 * Names that pass through printable() unchanged and sort the same as bytes and as JS strings:
 * printable ASCII without the backslash.
 */
const PLAIN = /^[\x20-\x5b\x5d-\x7e]*$/;

/**
 * Walks the jail with find; resolves to undefined when find cannot be used (not installed, or a
 * mount point under the jail argv cannot name as is): the caller walks with walker.ts then.
 */
export async function walkWithFind(
  jail: string,
  mountsUnder: readonly MountInfo[],
  jailNosuid: boolean,
  opts: WalkOptions & { files?: CapsReader; signal?: AbortSignal } = {},
): Promise<WalkResult | undefined> {
  // From the system's directories, never the caller's PATH (as every host tool jailsmith runs).
  const findBin = findHostTool('find');
  if (!findBin) return undefined;
  const descend = opts.descend ?? ((m: MountInfo) => JAIL_LOCAL_FS.has(m.fstype));
  const base = jail === '/' ? '' : jail.replace(/\/+$/, '');
  const mountAt = mountMap(mountsUnder);
  // Mount points find must print but not enter, as ./in/jail paths.
  const prune: string[] = [];
  for (const [point, m] of mountAt) {
    if (descend(m)) continue;
    const inJail = point.slice(base.length);
    if (!inJail.startsWith('/') || !PLAIN.test(inJail)) {
      opts.files?.abandon();
      return undefined;
    }
    prune.push(literal(`.${inJail}`));
  }
  const args = ['-P', '.'];
  if (prune.length > 0) {
    args.push('(');
    prune.forEach((p, i) => {
      if (i > 0) args.push('-o');
      args.push('-path', p);
    });
    args.push(')', '-printf', FORMAT, '-prune', '-o');
  }
  args.push('-printf', FORMAT);

  const Walked = entryClass(base);
  const files = opts.files;
  const linksSeen = new Map<bigint, number>();
  const nodes = new Map<string, DirNode>();
  let root: Entry | undefined;
  let jailDev = 0n;
  let jailDevNum = -1;
  let count = 0;
  let nextReport = 1000;
  // The parent of most entries is the one of the entry before: find lists a directory's files together.
  let lastParent: DirNode | undefined;
  let lastPrefix = '';
  // The directories find is inside, root first. find walks depth first: a directory left behind
  // has all its children printed, and is sorted then, while find walks on (Node is idle anyway).
  const open: DirNode[] = [];
  const settle = (p: DirNode): void => {
    for (let top = open.at(-1); top && top !== p && !isAncestor(top, p); top = open.at(-1)) {
      sortChildren(top);
      open.pop();
    }
    const chain: DirNode[] = [];
    for (let q: DirNode | undefined = p; q && q !== open.at(-1); q = q.parent) chain.push(q);
    for (let i = chain.length - 1; i >= 0; i--) open.push(chain[i] as DirNode);
  };
  let broken: string | undefined;
  const hostPrefix = Buffer.from(base);

  // The decimal field being read: from pos up to the next space; [from, to) are its digits.
  let pos = 0;
  let from = 0;
  let to = 0;
  /** The field as a number, or NaN when its digits could exceed 2^53 (read it with wide()). */
  const num = (buf: Buffer): number => {
    let n = 0;
    from = pos;
    for (let c = buf[pos++] as number; c !== 0x20; c = buf[pos++] as number) n = n * 10 + c - 48;
    to = pos - 1;
    return to - from > 15 ? Number.NaN : n;
  };
  const wide = (buf: Buffer, n: number): bigint =>
    Number.isNaN(n) ? BigInt(buf.toString('latin1', from, to)) : shareNumber(n);

  const record = (buf: Buffer, start: number, z1: number, z2: number): void => {
    const type = TYPE_BY_BYTE.get(buf[start] as number) ?? 'file';
    pos = start + 2;
    let mode = 0;
    for (let c = buf[pos++] as number; c !== 0x20; c = buf[pos++] as number) mode = mode * 8 + c - 48;
    const uid = num(buf);
    const gid = num(buf);
    const devN = num(buf);
    const dev = devN === jailDevNum ? jailDev : wide(buf, devN);
    const inoN = num(buf);
    const ino = Number.isNaN(inoN) ? wide(buf, inoN) : BigInt(inoN);
    const nlink = wide(buf, num(buf));
    const size = wide(buf, num(buf));
    // pos is at the path: '.' for the jail, './name...' below it.
    if (type === 'file') files?.add(buf, pos, z1);
    let path: string;
    let raw: Buffer | undefined;
    let rawHost: Buffer | undefined;
    let plain = true;
    if (z1 - pos === 1) path = '/';
    else {
      path = buf.toString('latin1', pos + 1, z1);
      if (!PLAIN.test(path)) {
        plain = false;
        const bytes = Buffer.from(buf.subarray(pos + 1, z1));
        const pr = printable(bytes);
        path = pr.text;
        if (pr.escaped) {
          raw = bytes;
          rawHost = Buffer.concat([hostPrefix, bytes]);
        }
      }
    }
    // Parent: in-jail path up to the last slash.
    let parent: DirNode | undefined;
    if (path !== '/') {
      const cut = path.lastIndexOf('/');
      if (lastParent && cut === lastPrefix.length && path.startsWith(lastPrefix)) parent = lastParent;
      else {
        parent = nodes.get(cut === 0 ? '/' : path.slice(0, cut));
        if (!parent) {
          broken ??= `find printed ${path} before its directory`;
          return;
        }
        lastParent = parent;
        lastPrefix = path.slice(0, cut);
        settle(parent);
      }
    }
    let inMount = false;
    let nosuid = jailNosuid;
    let mount: MountInfo | undefined;
    if (parent) {
      inMount = parent.entry.inMount;
      nosuid = parent.entry.nosuid;
      if (mountAt.size > 0) {
        mount = mountAt.get(pathKey(rawHost ?? base + path));
        if (mount) {
          inMount = true;
          nosuid = mount.options.includes('nosuid');
        }
      }
    }
    let rdev = 0n;
    if (type === 'char' || type === 'block') {
      // find has no %r; devices are few.
      const st = lstatSync(rawHost ?? base + path, { bigint: true, throwIfNoEntry: false });
      if (st) rdev = share(st.rdev);
    }
    const e = new Walked(
      type,
      mode & 0o7777,
      uid,
      gid,
      dev,
      ino,
      nlink,
      rdev,
      size,
      path,
      rawHost,
      raw,
      inMount,
      nosuid,
    );
    if (mount) {
      e.mountPoint = mount;
      if (!descend(mount)) e.foreign = true;
    }
    if (type === 'symlink' && z2 > z1 + 1) {
      const t = buf.toString('latin1', z1 + 1, z2);
      if (PLAIN.test(t)) e.target = t;
      else {
        const bytes = Buffer.from(buf.subarray(z1 + 1, z2));
        const pt = printable(bytes);
        e.target = pt.text;
        if (pt.escaped) e.targetRaw = bytes;
      }
    } else if (type === 'file' && nlink > 1n && !inMount && dev === jailDev) {
      linksSeen.set(ino, (linksSeen.get(ino) ?? 0) + 1);
    } else if (type === 'dir' && (!mount || descend(mount))) {
      nodes.set(path, { entry: e, parent, children: [], bytes: false, sorted: false });
    }
    if (!parent) {
      root = e;
      jailDev = dev;
      jailDevNum = devN;
    } else {
      parent.children.push(e);
      if (!plain) parent.bytes = true;
    }
    count++;
    if (opts.onProgress && count >= nextReport) {
      opts.onProgress(count, parent?.entry.path ?? '/');
      nextReport = count + 1000;
    }
  };

  const ran = await new Promise<{ code: number | null; error?: string; errors?: number }>((resolve) => {
    const child = spawn(findBin, args, {
      cwd: jail,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.signal ? { signal: opts.signal } : {}),
      env: { ...process.env, LC_ALL: 'C' },
    });
    // A record cut by a chunk's end waits in `held`; only it is joined with the next chunk's head.
    let held: Buffer | undefined;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      let at = 0;
      if (held) {
        // held has no NUL yet, or the one after the path: the record ends at the next one or two.
        const c1 = chunk.indexOf(0);
        const end = c1 < 0 ? -1 : held.indexOf(0) >= 0 ? c1 : chunk.indexOf(0, c1 + 1);
        if (end < 0) {
          held = Buffer.concat([held, chunk]);
          return;
        }
        const rec = Buffer.concat([held, chunk.subarray(0, end + 1)]);
        const z1 = rec.indexOf(0);
        if (broken === undefined) record(rec, 0, z1, rec.length - 1);
        at = end + 1;
        held = undefined;
      }
      for (;;) {
        const z1 = chunk.indexOf(0, at);
        if (z1 < 0) break;
        const z2 = chunk.indexOf(0, z1 + 1);
        if (z2 < 0) break;
        if (broken === undefined) record(chunk, at, z1, z2);
        at = z2 + 1;
      }
      if (at < chunk.length) held = Buffer.from(chunk.subarray(at));
    });
    child.stderr.on('data', (b: Buffer) => {
      // Kept whole up to 1 MiB, to count find's errors; past that, the walker redoes it all.
      if (stderr.length < 1 << 20) stderr += b.toString('latin1');
    });
    child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: null, error: e.code ?? String(e) }));
    child.on('close', (code) => {
      if (held) broken ??= 'find output ended mid-record';
      // One line per error with LC_ALL=C; a name holding "\nfind: " only adds to the count.
      const errors =
        stderr.length >= 1 << 20 ? Number.POSITIVE_INFINITY : stderr.split('\nfind: ').length - 1;
      resolve({
        code,
        ...(stderr ? { error: stderr, errors: errors + (stderr.startsWith('find: ') ? 1 : 0) } : {}),
      });
    });
  });
  if (opts.signal?.aborted) {
    files?.abandon();
    return undefined;
  }
  if (ran.code === null || broken !== undefined || !root) {
    // Not installed (ENOENT), killed, or output we do not understand: the walker does it all.
    files?.abandon();
    return ran.code === null && ran.error === 'ENOENT'
      ? undefined
      : walk(jail, mountsUnder, jailNosuid, opts);
  }

  // Regroup: the walker's order, warnings as it words them, at the point it would emit them.
  const state: WalkState = {
    entries: [root],
    warnings: [],
    linksSeen,
    mountAt,
    descend,
    Walked,
    jailDev,
    onProgress: undefined,
    nextReport: Number.POSITIVE_INFINITY,
    listed: new Map(),
  };
  const failed = ran.code !== 0;
  const { entries, warnings } = state;
  const stack: DirNode[] = [nodes.get('/') as DirNode];
  while (stack.length > 0) {
    const node = stack.pop() as DirNode;
    const kids = node.children;
    if (failed && kids.length === 0) {
      // Maybe the directory find could not read: the walker reads it again, and words it.
      const d = node.entry;
      const from = entries.length;
      walkFrom(state, [{ entry: d, inMount: d.inMount, nosuid: d.nosuid } satisfies Pending]);
      // The files it met go to the capability reader too, as ./in/jail bytes.
      for (let i = from; files && i < entries.length; i++) {
        const e = entries[i] as Entry;
        if (e.type !== 'file') continue;
        const name = Buffer.concat([DOT, e.raw ?? Buffer.from(e.path)]);
        files.add(name, 0, name.length);
      }
      continue;
    }
    if (!node.sorted) sortChildren(node);
    const subdirs: DirNode[] = [];
    state.listed.set(node.entry.path, [entries.length, entries.length + kids.length]);
    for (const k of kids) {
      entries.push(k);
      if (k.type === 'symlink' && k.target === undefined) readTarget(k, warnings);
      else if (k.type === 'dir') {
        const sub = nodes.get(k.path);
        if (sub && sub.entry === k) subdirs.push(sub);
      }
    }
    node.children = [];
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i] as DirNode);
  }
  if (failed && warnings.length < (ran.errors ?? 1)) {
    // An error of find's the walker did not meet again (a file removed mid-walk, a directory
    // read in part): walk it all again, rather than miss what find did not list.
    files?.abandon();
    return walk(jail, mountsUnder, jailNosuid, opts);
  }
  return { root, entries, warnings, linksSeen, listed: state.listed };
}
