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
import { availableParallelism } from 'node:os';
import { findHostTool, JAIL_LOCAL_FS, type MountInfo, pathKey } from '../sys/index.js';
import { capsCanApply } from './fcaps.js';
import type { CapsReader } from './fcaps-stream.js';
import { type FindSplit, planSplit } from './find-split.js';
import { PLAIN, plainByte, printable } from './names.js';
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

/** Finds that walk at once, at most (one a core): past that, the parse here takes the time. */
const MAX_FINDS = 4;

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
/** TYPE_OF by byte: an array lookup per record, not a Map's. */
const TYPE_AT: (EntryType | undefined)[] = [];
for (const [k, v] of Object.entries(TYPE_OF)) TYPE_AT[k.charCodeAt(0)] = v;

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

/**
 * One find's output being parsed. `open` holds the directories it is inside, root first: find
 * walks depth first, so a directory it left has all its children printed, and is sorted then,
 * while find walks on (Node is idle anyway).
 */
interface Stream {
  args: string[];
  /** In a split walk: the in-jail paths this find starts from (besides the jail itself). */
  starts: Set<string>;
  /** Lists subtrees dealt to it (find-split.ts), below directories the shallow find lists. */
  deep: boolean;
  /** The start points met once already (the shallow find prints each twice). */
  seen: Set<string>;
  open: DirNode[];
  /** A record cut by a chunk's end; only it is joined with the next chunk's head. */
  held?: Buffer;
  /** Chunks kept until the shallow find is parsed (deep finds only). */
  queue: Buffer[];
}

/** A start point as find is given it ('.', './usr') as an in-jail path ('/', '/usr'). */
const inJailPath = (p: string): string => (p === '.' ? '/' : p.slice(1));

function stream(args: string[], starts: readonly string[], deep: boolean): Stream {
  const inJail = starts.filter((p) => p !== '.').map(inJailPath);
  return { args, starts: new Set(inJail), deep, seen: new Set(), open: [], queue: [] };
}

/** How one find ended. */
interface Ran {
  code: number | null;
  error?: string;
  errors?: number;
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

/** `p` is the parent of the entry being parsed: sorts the directories the find has left. */
function settle(p: DirNode, open: DirNode[]): void {
  for (let top = open.at(-1); top && top !== p && !isAncestor(top, p); top = open.at(-1)) {
    sortChildren(top);
    open.pop();
  }
  const chain: DirNode[] = [];
  for (let q: DirNode | undefined = p; q && q !== open.at(-1); q = q.parent) chain.push(q);
  for (let i = chain.length - 1; i >= 0; i--) open.push(chain[i] as DirNode);
}

const DOT = Buffer.from('.');

/** Escapes fnmatch's special characters so find's -path matches the path literally. */
const literal = (p: string): string => p.replace(/[\\*?[\]]/g, '\\$&');

/**
 * Walks the jail with find; resolves to undefined when find cannot be used (not installed, or a
 * mount point under the jail argv cannot name as is): the caller walks with walker.ts then.
 */
export async function walkWithFind(
  jail: string,
  mountsUnder: readonly MountInfo[],
  jailNosuid: boolean,
  opts: WalkOptions & {
    files?: CapsReader;
    signal?: AbortSignal;
    /** A split planned already (tests: the jail changed since it), or null for one find. */
    split?: FindSplit | null;
  } = {},
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
  // One find for the whole jail; or, with no mount under it and cores to spare, one for its top
  // and one per share of its subtrees (find-split.ts).
  let split: FindSplit | undefined;
  if (mountAt.size === 0) {
    split =
      opts.split === undefined
        ? planSplit(jail, Math.min(availableParallelism(), MAX_FINDS))
        : (opts.split ?? undefined);
  }
  const streams: Stream[] = [];
  if (split) {
    streams.push(stream(['-P', ...split.shallow, '-maxdepth', '1', '-printf', FORMAT], split.shallow, false));
    for (const share of split.deep) streams.push(stream(['-P', ...share, '-printf', FORMAT], share, true));
  } else {
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
    streams.push(stream(args, [], false));
  }
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

  /**
   * The end (NUL) of a field from `i`, or buf.length; `scannedPlain` tells whether every byte
   * before it is PLAIN's. A loop here, not Buffer#indexOf: two native calls a record cost more.
   */
  let scannedPlain = true;
  const nul = (buf: Buffer, i: number): number => {
    let plain = true;
    const n = buf.length;
    for (; i < n; i++) {
      const c = buf[i] as number;
      if (c === 0) break;
      if (!plainByte(c)) plain = false;
    }
    scannedPlain = plain;
    return i;
  };

  /** One record in buf[start, z2]: z1 ends its path, which is PLAIN when `plain` (see nul()). */
  const record = (buf: Buffer, start: number, z1: number, z2: number, s: Stream, plain: boolean): void => {
    const type = TYPE_AT[buf[start] as number] ?? 'file';
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
    const pathAt = pos;
    let path: string;
    let raw: Buffer | undefined;
    let rawHost: Buffer | undefined;
    if (z1 - pos === 1) path = '/';
    else {
      path = buf.toString('latin1', pos + 1, z1);
      // The fields before the path are digits, blanks and a letter: PLAIN bytes all.
      if (!plain) {
        const bytes = Buffer.from(buf.subarray(pos + 1, z1));
        const pr = printable(bytes);
        path = pr.text;
        if (pr.escaped) {
          raw = bytes;
          rawHost = Buffer.concat([hostPrefix, bytes]);
        }
      }
    }
    if (s.starts.size > 0 && s.starts.has(path)) {
      // A split walk's start point, printed by the find that starts there: the directory its
      // parent's listing gave (a deep find's, or the shallow one's second sight of it). It must
      // still be that directory: one swapped for a symlink since would be listed twice, and a
      // find starting below it would walk wherever the link leads, as if it were in the jail.
      if (s.deep || s.seen.has(path)) {
        const node = nodes.get(path);
        if (!node || node.entry.ino !== ino || node.entry.dev !== dev)
          broken ??= `${path} changed during the walk`;
        return;
      }
      s.seen.add(path);
    }
    if (type === 'file' && capsCanApply(mode, uid)) files?.add(buf, pathAt, z1);
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
        settle(parent, s.open);
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

  /** Parses a chunk of one find's output; a record cut at its end waits for the next chunk. */
  const feed = (s: Stream, chunk: Buffer): void => {
    let at = 0;
    if (s.held) {
      // held has no NUL yet, or the one after the path: the record ends at the next one or two.
      const c1 = chunk.indexOf(0);
      const end = c1 < 0 ? -1 : s.held.indexOf(0) >= 0 ? c1 : chunk.indexOf(0, c1 + 1);
      if (end < 0) {
        s.held = Buffer.concat([s.held, chunk]);
        return;
      }
      const rec = Buffer.concat([s.held, chunk.subarray(0, end + 1)]);
      const z1 = nul(rec, 0);
      if (broken === undefined) record(rec, 0, z1, rec.length - 1, s, scannedPlain);
      at = end + 1;
      s.held = undefined;
    }
    for (const n = chunk.length; ; ) {
      const z1 = nul(chunk, at);
      const plain = scannedPlain;
      const z2 = z1 < n ? nul(chunk, z1 + 1) : n;
      if (z2 >= n) break;
      if (broken === undefined) record(chunk, at, z1, z2, s, plain);
      at = z2 + 1;
    }
    if (at < chunk.length) s.held = Buffer.from(chunk.subarray(at));
  };

  // A deep find's output waits until the shallow one is parsed: its directories come from there.
  let shallowDone = streams.length === 1;
  const runs = streams.map(
    (s, i) =>
      new Promise<Ran>((resolve) => {
        const child = spawn(findBin, s.args, {
          cwd: jail,
          stdio: ['ignore', 'pipe', 'pipe'],
          ...(opts.signal ? { signal: opts.signal } : {}),
          env: { ...process.env, LC_ALL: 'C' },
        });
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => {
          if (s.deep && !shallowDone) s.queue.push(chunk);
          else feed(s, chunk);
        });
        child.stderr.on('data', (b: Buffer) => {
          // Kept whole up to 1 MiB, to count find's errors; past that, the walker redoes it all.
          if (stderr.length < 1 << 20) stderr += b.toString('latin1');
        });
        child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: null, error: e.code ?? String(e) }));
        child.on('close', (code) => {
          if (i === 0 && !shallowDone) {
            shallowDone = true;
            for (const d of streams) for (const chunk of d.queue.splice(0)) feed(d, chunk);
          }
          // One line per error with LC_ALL=C; a name holding "\nfind: " only adds to the count.
          const errors =
            stderr.length >= 1 << 20 ? Number.POSITIVE_INFINITY : stderr.split('\nfind: ').length - 1;
          resolve({
            code,
            ...(stderr ? { error: stderr, errors: errors + (stderr.startsWith('find: ') ? 1 : 0) } : {}),
          });
        });
      }),
  );
  const all = await Promise.all(runs);
  // The first failure tells (a spawn error before an exit code); errors add up.
  const ran: Ran = all.find((r) => r.code === null) ?? all.find((r) => r.code !== 0) ?? { code: 0 };
  if (all.some((r) => r.errors !== undefined)) ran.errors = all.reduce((n, r) => n + (r.errors ?? 0), 0);
  if (streams.some((s) => s.held)) broken ??= 'find output ended mid-record';
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
  // In a split walk, a directory the shallow find listed that is neither a shallow one nor a
  // dealt subtree (made after the split was planned) had its contents listed by no find.
  const shallow = new Set(split?.shallow.map(inJailPath));
  const dealt = new Set(split ? [...split.subtrees].map(inJailPath) : []);
  const unwalked = (n: DirNode): boolean =>
    n.parent !== undefined &&
    shallow.has(n.parent.entry.path) &&
    !shallow.has(n.entry.path) &&
    !dealt.has(n.entry.path);
  const { entries, warnings } = state;
  const stack: DirNode[] = [nodes.get('/') as DirNode];
  while (stack.length > 0) {
    const node = stack.pop() as DirNode;
    const kids = node.children;
    if (kids.length === 0 && (failed || (split && unwalked(node)))) {
      // Maybe the directory find could not read: the walker reads it again, and words it.
      const d = node.entry;
      const from = entries.length;
      walkFrom(state, [{ entry: d, inMount: d.inMount, nosuid: d.nosuid } satisfies Pending]);
      // The files it met go to the capability reader too, as ./in/jail bytes.
      for (let i = from; files && i < entries.length; i++) {
        const e = entries[i] as Entry;
        if (e.type !== 'file' || !capsCanApply(e.mode, e.uid)) continue;
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
