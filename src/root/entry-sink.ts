import {
  chmodSync,
  closeSync,
  constants,
  lchownSync,
  linkSync,
  mkdirSync,
  openSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { errnoCode, RootError } from '../errors.js';
import type { EntryType, ManifestEntry } from '../manifest/index.js';
import { type CapabilitySpec, setCapabilities } from './capabilities.js';
import { checkDevice, type DeviceSpec, makeDevices } from './devices.js';
import { checkJailPath, jailParent, under } from './jail-path.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/**
 * Writes manifest-shaped entries, in the order an archive holds them, into a fresh private
 * staging tree: file contents arrive as a stream between `begin` and `end`. Like StagingWriter,
 * every creation is exclusive and never follows a link, and an entry's parent must be a
 * directory this sink made (an archive lists parents first, so none is invented here).
 * Contents first; owners, then modes (chown clears setuid bits), then capabilities (chown clears
 * those too) at `finish`, deepest first so a read-only directory is closed last.
 */
export class EntrySink {
  readonly root: string;
  private readonly kinds = new Map<string, EntryType>([['/', 'dir']]);
  /** Every entry begun, in order, for the owner and mode pass. */
  private readonly made: ManifestEntry[] = [];
  private readonly nodes: DeviceSpec[] = [];
  private fd: number | undefined;

  /** `root`: an empty private directory (the staging tree of a JailTarget). */
  constructor(root: string) {
    this.root = root;
  }

  begin(e: ManifestEntry): void {
    const p = checkJailPath(e.path);
    if (p === '/') {
      if (e.type !== 'dir')
        throw new RootError('ROOT_PLAN_ROOT', 'the jail root must be a directory', { path: p });
      this.made.push(e);
      return;
    }
    if (this.kinds.has(p)) throw new RootError('ROOT_PLAN_DUPLICATE', 'path given twice', { path: p });
    const parent = jailParent(p);
    if (this.kinds.get(parent) !== 'dir') {
      throw new RootError('ROOT_PARENT_NOT_DIR', `parent ${parent} is not a directory written earlier`, {
        path: p,
      });
    }
    const host = under(this.root, p);
    this.attempt(e, () => this.create(e, p, host));
    this.kinds.set(p, e.type);
    this.made.push(e);
  }

  /** Content of the file begun last. */
  write(chunk: Buffer): void {
    const e = this.made.at(-1);
    const fd = this.fd;
    if (e === undefined || fd === undefined)
      throw new RootError('ROOT_WRITE_FAILED', 'content for an entry that is not a file', { path: e?.path });
    this.attempt(e, () => {
      for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
    });
  }

  end(): void {
    this.close();
  }

  /** Drops an open file descriptor; safe to call at any time, as often as needed. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Device nodes and FIFOs in one batch, then owners and modes deepest first, then capabilities. */
  async finish(): Promise<void> {
    this.close();
    await makeDevices(this.nodes);
    for (let i = this.made.length - 1; i >= 0; i--) {
      const e = this.made[i] as ManifestEntry;
      if (e.type === 'hardlink') continue; // same inode as its target, settled there
      const host = under(this.root, e.path);
      this.attempt(e, () => {
        lchownSync(host, e.uid, e.gid);
        if (e.type !== 'symlink') chmodSync(host, Number.parseInt(e.mode, 8) & 0o7777);
      });
    }
    const caps: CapabilitySpec[] = [];
    for (const e of this.made) if (e.capability) caps.push({ path: e.path, hex: e.capability });
    await setCapabilities(this.root, caps);
  }

  private create(e: ManifestEntry, p: string, host: string): void {
    switch (e.type) {
      case 'dir':
        mkdirSync(host, 0o700);
        return;
      case 'file':
        this.fd = openSync(host, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
        return;
      case 'symlink':
        if (!e.target || e.target.includes('\0'))
          throw new RootError('ROOT_BAD_TARGET', 'symlink target is empty or has a NUL byte', { path: p });
        symlinkSync(e.target, host);
        return;
      case 'hardlink': {
        const t = checkJailPath(e.target ?? '');
        if (this.kinds.get(t) !== 'file') {
          throw new RootError('ROOT_BAD_HARDLINK', `hard link target ${t} is not a file written earlier`, {
            path: p,
          });
        }
        linkSync(under(this.root, t), host);
        return;
      }
      case 'char':
      case 'block': {
        const [major, minor] = e.rdev ?? [-1, -1];
        checkDevice(p, major, minor);
        this.nodes.push({ host, type: e.type, major, minor });
        return;
      }
      case 'fifo':
        this.nodes.push({ host, type: 'fifo', major: 0, minor: 0 });
        return;
      default:
        throw new RootError('ROOT_WRITE_FAILED', `cannot create ${e.type}`, { path: p });
    }
  }

  /** System errors (disk full, EEXIST) become a RootError naming the entry. */
  private attempt(e: ManifestEntry, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof RootError) throw err;
      throw new RootError('ROOT_WRITE_FAILED', `cannot write ${e.type}: ${errnoCode(err) ?? err}`, {
        path: e.path,
        cause: err,
      });
    }
  }
}
