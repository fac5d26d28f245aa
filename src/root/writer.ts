import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  lchownSync,
  linkSync,
  mkdirSync,
  openSync,
  realpathSync,
  type Stats,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { errnoCode, RootError } from '../errors.js';
import type { DeviceEntry, FileEntry, GeneratedEntry, PlanEntry } from '../plan/index.js';
import { parseCapabilityText } from '../sys/index.js';
import { type CapabilitySpec, setCapabilities } from './capabilities.js';
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

const { O_WRONLY, O_RDONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
// COPYFILE_EXCL opens the destination O_CREAT|O_EXCL: an existing name, link or not, fails.
// COPYFILE_FICLONE shares the blocks where the file system can (btrfs, XFS reflink) and falls
// back to copy_file_range (an in-kernel copy, no bytes through this process) where it cannot.
const COPY_FLAGS = constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE;
// One file at a time, on this thread, like cp: eight copies at once on libuv's threads (the
// earlier way) took about 60% more system time and more wall time on a 2-core machine (issue 17).

/**
 * Writes plan entries into a fresh private staging tree (mode 0700, made by us, reachable by root
 * only), so no one can plant or swap a link in it while we work. Still, every creation is
 * exclusive and never follows a link (O_CREAT|O_EXCL|O_NOFOLLOW, mkdir, symlink, link all fail on
 * an existing name) and every parent must be a directory this writer made: if anything unexpected
 * were there, the build fails instead of writing through it.
 * Order: content first, then owner, then mode (chown clears setuid bits, so they come last);
 * directories get their final owner and mode at the end, deepest first.
 */
export class StagingWriter {
  readonly root: string;
  private readonly kinds = new Map<string, Kind>([['/', 'dir']]);
  private readonly dirs: Attrs[] = [];
  private readonly devices: DeviceEntry[] = [];
  private readonly caps: CapabilitySpec[] = [];
  private rootAttrs: Attrs = { path: '/', mode: 0o755, uid: 0, gid: 0 };
  private readonly sourceRoot: string | null;
  /** Whether copies ask for a clone (see copyFile); undefined until the first copy. */
  private clones: boolean | undefined;
  private readonly hostSources: ReadonlySet<string>;
  private readonly hardlinks: { target: string; targetPath: string; host: string; path: string }[] = [];
  /**
   * The stat of each regular file this writer made, taken once its owner and mode were set and
   * dropped again for a file something later changes (a hard link to it, a capability): the
   * caller records keys from it instead of an lstat of every path (build/state.ts collectState).
   */
  readonly staged = new Map<string, Stats>();

  /**
   * `sourceRoot`: when not '/', every copied file must really lie inside it (no link out), except
   * the `hostSources` the plan names as taken from the host on purpose (qemu_static's emulator).
   */
  constructor(root: string, sourceRoot = '/', hostSources: readonly string[] = []) {
    this.root = root;
    this.sourceRoot = sourceRoot === '/' ? null : realpathSync(sourceRoot);
    this.hostSources = new Set(hostSources);
  }

  add(e: PlanEntry): void {
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
    try {
      switch (e.type) {
        case 'dir':
          mkdirSync(host, 0o700);
          this.dirs.push(e);
          break;
        case 'file':
          this.copy(e, host);
          if (e.capability !== undefined) this.caps.push({ path: p, hex: capabilityHex(p, e.capability) });
          break;
        case 'generated':
          this.generate(e, host);
          break;
        case 'symlink': {
          if (e.target === '' || e.target.includes('\0'))
            throw new RootError('ROOT_BAD_TARGET', 'symlink target is empty or has a NUL byte', { path: p });
          symlinkSync(e.target, host);
          lchownSync(host, e.uid, e.gid);
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
    } catch (err) {
      if (err instanceof RootError) throw err;
      throw new RootError('ROOT_WRITE_FAILED', `cannot create ${e.type}: ${errnoCode(err) ?? err}`, {
        path: p,
        cause: err,
      });
    }
    this.kinds.set(p, e.type);
  }

  /**
   * Hard links and devices (copies and symlinks were made as they were added), then directory
   * owners and modes deepest first, then the root; file capabilities last of all (a chown clears them, and files were
   * chowned as they were copied).
   */
  async finish(): Promise<void> {
    // Device nodes take a child process (Node has no mknod): started first, it runs while the
    // hard links are made. Waited for in any case, so nothing outlives a failed build.
    const devices = makeDevices(
      this.devices.map((d) => ({ ...d, type: d.device, host: under(this.root, d.path) })),
    ).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    let linkFailure: RootError | undefined;
    for (const l of this.hardlinks) {
      this.staged.delete(l.targetPath);
      try {
        linkSync(l.target, l.host);
      } catch (err) {
        linkFailure = new RootError('ROOT_WRITE_FAILED', `cannot create hardlink: ${errnoCode(err) ?? err}`, {
          path: l.path,
          cause: err,
        });
        break;
      }
    }
    const deviceFailure = await devices;
    if (linkFailure) throw linkFailure;
    if (deviceFailure) throw deviceFailure.error;
    for (const d of this.devices) this.setAttrs(d);
    for (let i = this.dirs.length - 1; i >= 0; i--) this.setAttrs(this.dirs[i] as Attrs);
    this.setAttrs(this.rootAttrs);
    for (const c of this.caps) this.staged.delete(c.path);
    await setCapabilities(this.root, this.caps);
  }

  /** Kind of a path this writer created, if any. */
  kindOf(p: string): Kind | undefined {
    return this.kinds.get(p);
  }

  private setAttrs(a: Attrs): void {
    const host = under(this.root, a.path);
    lchownSync(host, a.uid, a.gid);
    chmodSync(host, a.mode & 0o7777);
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

  private copy(e: FileEntry, host: string): void {
    let src = e.source;
    if (this.sourceRoot !== null && !this.hostSources.has(e.source)) {
      src = realpathSync(e.source);
      if (!src.startsWith(`${this.sourceRoot}/`)) {
        throw new RootError('ROOT_SOURCE_ESCAPE', `source resolves outside the source root: ${src}`, {
          path: e.source,
        });
      }
    }
    this.copyFile(src, host);
    this.settle(host, e);
  }

  /**
   * The first copy asks for a clone alone: a file system that cannot clone says so (ENOTSUP and
   * the like; the failed copy leaves no file) and the rest copy without asking, one ioctl fewer
   * each (ext4). Anything else, or a clone made, keeps asking, with the fallback copy.
   */
  private copyFile(src: string, host: string): void {
    if (this.clones !== undefined) {
      copyFileSync(src, host, this.clones ? COPY_FLAGS : constants.COPYFILE_EXCL);
      return;
    }
    try {
      copyFileSync(src, host, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE);
      this.clones = true;
    } catch (err) {
      const code = errnoCode(err);
      if (
        code !== 'ENOTSUP' &&
        code !== 'EOPNOTSUPP' &&
        code !== 'ENOTTY' &&
        code !== 'EINVAL' &&
        code !== 'EXDEV'
      )
        throw err;
      // Cross-device says nothing of the other sources: ask again.
      this.clones = code === 'EXDEV';
      copyFileSync(src, host, this.clones ? COPY_FLAGS : constants.COPYFILE_EXCL);
    }
  }

  private generate(e: GeneratedEntry, host: string): void {
    const fd = openSync(host, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      const buf = Buffer.from(e.content);
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
    } finally {
      closeSync(fd);
    }
    this.settle(host, e);
  }

  /**
   * Owner then mode, through a descriptor of the file we just made, each only where it differs:
   * most files are root's and keep their source's mode, which the copy gave them already.
   */
  private settle(host: string, e: FileEntry | GeneratedEntry): void {
    const fd = openSync(host, O_RDONLY | O_NOFOLLOW);
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.nlink !== 1) {
        throw new RootError('ROOT_WRITE_FAILED', 'staged file is not the regular file we created', {
          path: e.path,
        });
      }
      if (st.size !== e.size) {
        throw new RootError(
          'ROOT_SOURCE_CHANGED',
          `size ${st.size} differs from the plan's ${e.size}: the source changed since planning`,
          {
            path: e.path,
          },
        );
      }
      const chown = st.uid !== e.uid || st.gid !== e.gid;
      if (chown) fchownSync(fd, e.uid, e.gid);
      // A chown clears setuid and setgid bits: after one, the mode is set whatever it was.
      const chmod = chown || (st.mode & 0o7777) !== (e.mode & 0o7777);
      if (chmod) fchmodSync(fd, e.mode & 0o7777);
      this.staged.set(e.path, chmod ? fstatSync(fd) : st);
    } finally {
      closeSync(fd);
    }
  }
}
