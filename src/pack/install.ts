import { spawnSync } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { errnoCode, PackError } from '../errors.js';
import type { ManifestEntry } from '../manifest/types.js';
import type { OnProgress } from '../progress.js';
import { type PackageReport, readPackage, type TreeSink } from './read-package.js';

export interface InstallOptions {
  trust?: KeyObject;
  /** Called as entries are unpacked (install only; bytes count file contents written). */
  onProgress?: OnProgress;
}

export interface InstallResult extends PackageReport {
  dir: string;
  /** An existing tree at DIR was replaced. */
  replaced: boolean;
}

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new PackError('INSTALL_FAILED', `${what} failed: ${r.error?.message ?? r.stderr.trim()}`, {
      path: args[args.length - 1],
    });
  }
}

/** getfattr/setfattr dump names: bytes outside printable ASCII and '\' as octal escapes. */
function escapeName(p: string): string {
  let out = '';
  for (const b of Buffer.from(p)) {
    out +=
      b <= 0x20 || b >= 0x7f || b === 0x5c ? `\\${b.toString(8).padStart(3, '0')}` : String.fromCharCode(b);
  }
  return out;
}

/**
 * Writes verified entries into a private staging root. Nothing here follows a link: the reader has
 * already refused names through symlinks, every parent is a directory this sink made, and files
 * are created with O_EXCL|O_NOFOLLOW.
 */
class StagingSink implements TreeSink {
  private fd: number | undefined;
  private done = 0;
  private bytes = 0;

  constructor(
    private readonly root: string,
    private readonly onProgress?: OnProgress,
  ) {}

  private host(p: string): string {
    return p === '/' ? this.root : path.join(this.root, p);
  }

  begin(e: ManifestEntry): void {
    const at = this.host(e.path);
    switch (e.type) {
      case 'dir':
        mkdirSync(at, { mode: 0o700 });
        break;
      case 'file':
        this.fd = openSync(
          at,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        );
        break;
      case 'symlink':
        symlinkSync(e.target as string, at);
        break;
      case 'hardlink':
        linkSync(this.host(e.target as string), at);
        break;
      case 'char':
      case 'block': {
        const [major, minor] = e.rdev as [number, number];
        run('mknod', ['-m', '600', at, e.type === 'char' ? 'c' : 'b', String(major), String(minor)], 'mknod');
        break;
      }
      case 'fifo':
        run('mknod', ['-m', '600', at, 'p'], 'mknod');
        break;
      default:
        throw new PackError('INSTALL_FAILED', `cannot create ${e.type}`, { path: e.path });
    }
  }

  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd as number, chunk, off);
    this.bytes += chunk.length;
  }

  end(e: ManifestEntry): void {
    if (e.type === 'file' && this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    this.onProgress?.({ entries: ++this.done, bytes: this.bytes, current: e.path });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * Owners, then modes (chown clears setuid bits), then capabilities (chown clears those too) in
   * one setfattr run. Deepest entries first so a read-only directory is closed last.
   */
  finish(entries: readonly ManifestEntry[], scratch: string): void {
    for (const e of [...entries].reverse()) {
      if (e.type === 'hardlink') continue;
      const at = this.host(e.path);
      lchownSync(at, e.uid, e.gid);
      if (e.type !== 'symlink') chmodSync(at, Number.parseInt(e.mode, 8));
    }
    const caps = entries.filter((e) => e.capability);
    if (caps.length === 0) return;
    const dump = caps.map(
      (e) => `# file: ${escapeName(e.path.slice(1))}\nsecurity.capability=0x${e.capability}\n`,
    );
    const file = path.join(scratch, 'caps.dump');
    writeFileSync(file, `${dump.join('\n')}\n`, { mode: 0o600 });
    const r = spawnSync('setfattr', [`--restore=${file}`], { cwd: this.root, encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new PackError('INSTALL_FAILED', `setfattr failed: ${r.error?.message ?? r.stderr.trim()}`, {
        path: this.root,
        hint: 'install the Debian package attr',
      });
    }
  }
}

function checkTarget(dir: string): boolean {
  const parent = path.dirname(dir);
  try {
    if (!lstatSync(parent).isDirectory()) throw new Error('ENOTDIR');
  } catch (e) {
    throw new PackError(
      'INSTALL_TARGET',
      `parent directory unusable: ${errnoCode(e) ?? (e as Error).message}`,
      {
        path: parent,
      },
    );
  }
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory())
      throw new PackError('INSTALL_TARGET', 'target exists and is not a directory', { path: dir });
    return true;
  } catch (e) {
    if (e instanceof PackError) throw e;
    return false;
  }
}

/**
 * Installs a package at `dir`: everything is unpacked and checked in a fresh 0700 staging
 * directory beside it, and only a fully verified tree is swapped in (an old tree is moved aside,
 * then removed). A refused package leaves `dir` and its surroundings as they were.
 */
export async function installPackage(
  pkg: string,
  dir: string,
  opts: InstallOptions = {},
): Promise<InstallResult> {
  const target = path.resolve(dir);
  const exists = checkTarget(target);
  const staging = mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.jailsmith-`));
  const root = path.join(staging, 'root');
  const sink = new StagingSink(root, opts.onProgress);
  try {
    const report = await readPackage(pkg, { trust: opts.trust, sink });
    sink.finish(report.manifest, staging);
    const old = path.join(staging, 'old');
    try {
      if (exists) renameSync(target, old);
      try {
        renameSync(root, target);
      } catch (e) {
        if (exists) renameSync(old, target);
        throw e;
      }
    } catch (e) {
      throw new PackError(
        'INSTALL_SWAP',
        `cannot swap the new tree in: ${errnoCode(e) ?? (e as Error).message}`,
        {
          path: target,
          hint: 'a mount point cannot be replaced; install to a directory beneath it',
        },
      );
    }
    return { ...report, dir: target, replaced: exists };
  } finally {
    sink.close();
    rmSync(staging, { recursive: true, force: true });
  }
}

export async function verifyPackage(pkg: string, opts: InstallOptions = {}): Promise<PackageReport> {
  return readPackage(pkg, { trust: opts.trust });
}
