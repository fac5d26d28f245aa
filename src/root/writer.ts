import * as fs from 'node:fs';
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  type Stats,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { errnoCode, RootError } from '../errors.js';
import type { DeviceEntry, FileEntry, GeneratedEntry, PlanEntry, SymlinkEntry } from '../plan/index.js';
import { parseCapabilityText } from '../sys/index.js';
import { type CapabilitySpec, setCapabilities } from './capabilities.js';
import { type CopyBatch, type CopyFailure, runCopyJobs } from './copy-jobs.js';
import { CopyPool, copyHelpers, POOL_MIN_FILES } from './copy-pool.js';
import { checkDevice, makeDevices } from './devices.js';
import { checkJailPath, jailParent, under } from './jail-path.js';

type Kind = PlanEntry['type'];
interface Attrs {
  path: string;
  mode: number;
  uid: number;
  gid: number;
}

/** The xattr value of a plan's capability text; a plan edited into nonsense stops here. */
function capabilityHex(path: string, text: string): string {
  const cap = parseCapabilityText(text);
  if (typeof cap === 'string')
    throw new RootError('ROOT_BAD_CAPABILITY', `capability "${text}" does not parse: ${cap}`, { path });
  return cap.hex;
}

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
// COPYFILE_EXCL opens the destination O_CREAT|O_EXCL: an existing name, link or not, fails.
// COPYFILE_FICLONE shares the blocks where the file system can (btrfs, XFS reflink) and falls
// back to copy_file_range (an in-kernel copy, no bytes through this process) where it cannot.
const COPY_FLAGS = constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE;

/** What the state file keys a staged file by (build/state.ts statKey). */
export type StagedStat = Pick<Stats, 'dev' | 'ino' | 'ctimeMs' | 'size'>;

/** Running totals for a progress display: entries finished, file bytes finished, the latest path. */
export type WriteProgress = (entries: number, bytes: number, current: string) => void;

/** A file to copy (or, generated, written already) and settle: see copy-jobs.ts. */
interface Queued {
  e: FileEntry | GeneratedEntry;
  src: string;
  host: string;
}

/** What a file costs to copy beyond its bytes (create, open, stat), in bytes: balances the groups. */
const PER_FILE = 16 * 1024;

/**
 * The files in groups of one directory each (copy-jobs.ts says why), the heaviest group first so
 * that the last ones taken are small and no thread is left with a long tail; `groups` holds each
 * group's first index, then the count.
 */
function byDirectory(files: readonly Queued[]): { files: Queued[]; groups: Int32Array } {
  const dirs = new Map<string, { files: Queued[]; weight: number }>();
  for (const f of files) {
    const d = jailParent(f.e.path);
    let g = dirs.get(d);
    if (g === undefined) {
      g = { files: [], weight: 0 };
      dirs.set(d, g);
    }
    g.files.push(f);
    g.weight += f.e.size + PER_FILE;
  }
  const ordered = [...dirs].sort(([a, x], [b, y]) => y.weight - x.weight || (a < b ? -1 : 1));
  const out: Queued[] = [];
  const groups = new Int32Array(ordered.length + 1);
  for (const [g, [, d]] of ordered.entries()) {
    groups[g] = out.length;
    out.push(...d.files);
  }
  groups[ordered.length] = out.length;
  return { files: out, groups };
}

/**
 * Writes plan entries into a fresh private staging tree (mode 0700, made by us, reachable by root
 * only), so no one can plant or swap a link in it while we work. Still, every creation is
 * exclusive and never follows a link (O_CREAT|O_EXCL|O_NOFOLLOW, mkdir, symlink, link all fail on
 * an existing name) and every parent must be a directory this writer made: if anything unexpected
 * were there, the build fails instead of writing through it.
 * Order: directories (in plan order, checking every entry on the way), then symlinks, then file
 * contents (shared with helper threads when JAILSMITH_COPY_THREADS asks: copy-pool.ts) while a
 * child process makes the device nodes; each file gets its owner, then its mode (chown clears
 * setuid bits) as soon as it is copied; then hard links; directories get their final owner and
 * mode at the end, deepest first; capabilities last.
 */
export class StagingWriter {
  readonly root: string;
  private readonly kinds = new Map<string, Kind>([['/', 'dir']]);
  private readonly dirs: Attrs[] = [];
  private readonly devices: DeviceEntry[] = [];
  private readonly caps: CapabilitySpec[] = [];
  private rootAttrs: Attrs = { path: '/', mode: 0o755, uid: 0, gid: 0 };
  private readonly sourceRoot: string | null;
  private readonly hostSources: ReadonlySet<string>;
  /** Who owns what this writer makes, when it is known (chownNeeded); null: not known. */
  private madeBy: { uid: number; gid: number } | null | undefined;
  /** Files to copy and settle, in plan order until batch() groups them. */
  private files: Queued[] = [];
  private readonly symlinks: { e: SymlinkEntry; host: string }[] = [];
  private readonly hardlinks: { target: string; targetPath: string; host: string; path: string }[] = [];
  /**
   * The stat of each regular file this writer made, taken once its owner and mode were set and
   * dropped again for a file something later changes (a hard link to it, a capability): the
   * caller records keys from it instead of an lstat of every path (build/state.ts collectState).
   */
  readonly staged = new Map<string, StagedStat>();

  /**
   * `sourceRoot`: when not '/', every copied file must really lie inside it (no link out), except
   * the `hostSources` the plan names as taken from the host on purpose (qemu_static's emulator).
   */
  constructor(root: string, sourceRoot = '/', hostSources: readonly string[] = []) {
    this.root = root;
    this.sourceRoot = sourceRoot === '/' ? null : realpathSync(sourceRoot);
    this.hostSources = new Set(hostSources);
  }

  /** Writes every entry; `progress` hears running totals, one call per entry finished. */
  async write(entries: readonly PlanEntry[], progress?: WriteProgress): Promise<void> {
    let copies = 0;
    for (const e of entries) if (e.type === 'file') copies++;
    // Started first: the helpers boot while this thread makes the directories.
    const helpers = copies >= POOL_MIN_FILES ? copyHelpers() : 0;
    const pool = helpers > 0 ? new CopyPool(helpers) : null;
    let batch: CopyBatch | undefined;
    let done = 0;
    let bytes = 0;
    const report = progress && ((current: string) => progress(++done, bytes, current));
    // Device nodes take a child process (Node has no mknod): started once their directories are
    // there, it runs while the files are copied. Waited for in any case, so nothing outlives a
    // failed build.
    let devices: Promise<{ error: unknown } | undefined> | undefined;
    try {
      for (const e of entries) {
        this.add(e);
        if (e.type !== 'file' && e.type !== 'generated' && e.type !== 'symlink') report?.(e.path);
      }
      // Before the copies, not beside them: a symlink made in a directory a helper is filling
      // would queue on its lock (see copy-jobs.ts).
      for (const { e, host } of this.symlinks) {
        this.attempt(e, () => {
          symlinkSync(e.target, host);
          if (this.chownNeeded(e)) lchownSync(host, e.uid, e.gid);
        });
        report?.(e.path);
      }
      const b = this.batch();
      batch = b;
      pool?.start(b);
      devices = makeDevices(
        this.devices.map((d) => ({ ...d, type: d.device, host: under(this.root, d.path) })),
      ).then(
        () => undefined,
        (error: unknown) => ({ error }),
      );
      const first = done;
      const after =
        report &&
        ((i: number) => {
          bytes = Number(Atomics.load(b.bytes, 0));
          const current = (this.files[i] as { e: PlanEntry }).e.path;
          while (done < first + Atomics.load(b.control, 1)) report(current);
        });
      const failure = pool ? await pool.join(b, after) : runCopyJobs(fs, b, after);
      if (failure) throw this.copyError(failure);
      if (report) {
        bytes = Number(Atomics.load(b.bytes, 0));
        while (done < entries.length) report(entries.at(-1)?.path ?? '/');
      }
      for (const [i, { e }] of this.files.entries())
        this.staged.set(e.path, {
          dev: b.stats[4 * i] as number,
          ino: b.stats[4 * i + 1] as number,
          ctimeMs: b.stats[4 * i + 2] as number,
          size: b.stats[4 * i + 3] as number,
        });
    } catch (err) {
      // Nothing may write into the tree once the caller goes on to remove it.
      if (pool && batch) await pool.stop(batch);
      await devices;
      throw err;
    } finally {
      pool?.close();
    }
    const failed = await devices;
    if (failed) throw failed.error;
    await this.finish();
  }

  /** Checks an entry and makes it if it is a directory; everything else is queued. */
  private add(e: PlanEntry): void {
    const p = checkJailPath(e.path);
    if (p === '/') {
      if (e.type !== 'dir')
        throw new RootError('ROOT_PLAN_ROOT', 'the jail root must be a directory', { path: p });
      this.rootAttrs = { path: p, mode: e.mode, uid: e.uid, gid: e.gid };
      return;
    }
    if (this.kinds.has(p)) throw new RootError('ROOT_PLAN_DUPLICATE', 'path planned twice', { path: p });
    this.ensureParent(p);
    const host = under(this.root, p);
    this.attempt(e, () => {
      switch (e.type) {
        case 'dir':
          mkdirSync(host, 0o700);
          this.dirs.push(e);
          break;
        case 'file':
          this.files.push({ e, src: this.source(e), host });
          if (e.capability !== undefined) this.caps.push({ path: p, hex: capabilityHex(p, e.capability) });
          break;
        case 'generated':
          this.generate(e, host);
          this.files.push({ e, src: '', host });
          break;
        case 'symlink': {
          if (e.target === '' || e.target.includes('\0'))
            throw new RootError('ROOT_BAD_TARGET', 'symlink target is empty or has a NUL byte', { path: p });
          this.symlinks.push({ e, host });
          break;
        }
        case 'hardlink': {
          const t = checkJailPath(e.target);
          const kind = this.kinds.get(t);
          if (kind !== 'file' && kind !== 'generated') {
            throw new RootError('ROOT_BAD_HARDLINK', `hard link target ${t} is not a file planned earlier`, {
              path: p,
            });
          }
          // At the end: a hard link to a file changes its ctime (see staged).
          this.hardlinks.push({ target: under(this.root, t), targetPath: t, host, path: p });
          break;
        }
        case 'device':
          checkDevice(p, e.major, e.minor);
          this.devices.push(e);
          break;
      }
    });
    this.kinds.set(p, e.type);
  }

  /** System errors (disk full, EEXIST) become a RootError naming the entry. */
  private attempt(e: PlanEntry, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof RootError) throw err;
      throw new RootError('ROOT_WRITE_FAILED', `cannot create ${e.type}: ${errnoCode(err) ?? err}`, {
        path: e.path,
        cause: err,
      });
    }
  }

  /**
   * The queued files as one batch in shared memory. The first copy is made here, asking for a
   * clone alone: a file system that cannot clone says so (ENOTSUP and the like; the failed copy
   * leaves no file) and the rest copy without asking, one ioctl fewer each (ext4). Anything else,
   * or a clone made, keeps asking, with the fallback copy.
   */
  private batch(): CopyBatch {
    const { files, groups } = byDirectory(this.files);
    this.files = files;
    const n = files.length;
    const attrs = new Float64Array(4 * n);
    for (const [i, { e }] of files.entries()) attrs.set([e.uid, e.gid, e.mode, e.size], 4 * i);
    const b: CopyBatch = {
      src: files.map((f) => f.src),
      dst: files.map((f) => f.host),
      attrs,
      groups,
      flags: COPY_FLAGS,
      control: new Int32Array(new SharedArrayBuffer(3 * 4)),
      bytes: new BigInt64Array(new SharedArrayBuffer(8)),
      stats: new Float64Array(new SharedArrayBuffer(Math.max(1, 4 * n) * 8)),
    };
    const k = b.src.findIndex((s) => s !== '');
    if (k < 0) return b;
    const [src, dst] = [b.src[k] as string, b.dst[k] as string];
    this.attempt((this.files[k] as { e: PlanEntry }).e, () => {
      try {
        copyFileSync(src, dst, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE);
        return;
      } catch (err) {
        const code = errnoCode(err);
        if (!['ENOTSUP', 'EOPNOTSUPP', 'ENOTTY', 'EINVAL', 'EXDEV'].includes(code ?? '')) throw err;
        // Cross-device says nothing of the other sources: keep asking.
        if (code !== 'EXDEV') b.flags = constants.COPYFILE_EXCL;
      }
      copyFileSync(src, dst, b.flags);
    });
    b.src[k] = ''; // copied: its job only settles it
    return b;
  }

  private copyError(f: CopyFailure): RootError {
    const path = (this.files[f.index] as { e: PlanEntry }).e.path;
    if (f.kind === 'changed') return new RootError('ROOT_SOURCE_CHANGED', f.detail, { path });
    return new RootError('ROOT_WRITE_FAILED', `cannot create file: ${f.detail}`, { path });
  }

  /**
   * Hard links, then owners and modes of devices and directories (deepest first), then the root;
   * file capabilities last of all (a chown clears them, and files were chowned as they were copied).
   */
  private async finish(): Promise<void> {
    for (const l of this.hardlinks) {
      this.staged.delete(l.targetPath);
      try {
        linkSync(l.target, l.host);
      } catch (err) {
        throw new RootError('ROOT_WRITE_FAILED', `cannot create hardlink: ${errnoCode(err) ?? err}`, {
          path: l.path,
          cause: err,
        });
      }
    }
    for (const d of this.devices) this.setAttrs(d);
    for (let i = this.dirs.length - 1; i >= 0; i--) this.setAttrs(this.dirs[i] as Attrs);
    this.setAttrs(this.rootAttrs);
    for (const c of this.caps) this.staged.delete(c.path);
    await setCapabilities(this.root, this.caps);
  }

  private setAttrs(a: Attrs): void {
    const host = under(this.root, a.path);
    if (this.chownNeeded(a)) lchownSync(host, a.uid, a.gid);
    chmodSync(host, a.mode & 0o7777);
  }

  /**
   * Whether an entry this writer made needs its owner set. A new entry is its creator's (fsuid,
   * fsgid), unless it takes its directory's group (a setgid directory, the grpid mount option):
   * every directory here descends from the staging root, so when the root is ours by both ids,
   * so is everything made in it. Otherwise always chown.
   */
  private chownNeeded(a: { uid: number; gid: number }): boolean {
    if (this.madeBy === undefined) {
      const st = lstatSync(this.root);
      const uid = process.geteuid?.() ?? -1;
      const gid = process.getegid?.() ?? -1;
      this.madeBy = st.uid === uid && st.gid === gid ? { uid, gid } : null;
    }
    return this.madeBy === null || a.uid !== this.madeBy.uid || a.gid !== this.madeBy.gid;
  }

  /** Parents the plan did not list are made root-owned 0755; a planned non-directory is refused. */
  private ensureParent(p: string): void {
    const parent = jailParent(p);
    const kind = this.kinds.get(parent);
    if (kind === 'dir') return;
    if (kind !== undefined) {
      throw new RootError(
        'ROOT_PARENT_NOT_DIR',
        `parent ${parent} is a ${kind}, not a directory: nothing is written through a link`,
        {
          path: p,
        },
      );
    }
    this.ensureParent(parent);
    mkdirSync(under(this.root, parent), 0o700);
    this.kinds.set(parent, 'dir');
    this.dirs.push({ path: parent, mode: 0o755, uid: 0, gid: 0 });
  }

  /** Where a file is copied from: inside the source root, unless the plan takes it from the host. */
  private source(e: FileEntry): string {
    if (this.sourceRoot === null || this.hostSources.has(e.source)) return e.source;
    const src = realpathSync(e.source);
    if (!src.startsWith(`${this.sourceRoot}/`)) {
      throw new RootError('ROOT_SOURCE_ESCAPE', `source resolves outside the source root: ${src}`, {
        path: e.source,
      });
    }
    return src;
  }

  private generate(e: GeneratedEntry, host: string): void {
    const fd = openSync(host, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      const buf = Buffer.from(e.content);
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
    } finally {
      closeSync(fd);
    }
  }
}
