/**
 * Everything a run needs decided before a process starts, so bad input (not a jail, unknown user,
 * missing bind source or command, a tmpfs path the jail lacks) ends with one error and nothing run.
 */
import { lstatSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { errnoCode, RunError, UsageError } from '../errors.js';
import type { SourceRoot } from '../resolve/index.js';
import { checkWorkdir, jailMountPoint, lookupUser, openJail, resolveCommand } from './jail-dir.js';
import type { RunOptions, TmpfsMount } from './types.js';

export const DEFAULT_UID = 65534;
export const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';
export const DEFAULT_TMPFS_SIZE = 64 * 1024 * 1024;

/** A bind as the engine takes it: host source, in-jail target (checked free of symlinks). */
export interface PreparedBind {
  source: string;
  target: string;
  dir: boolean;
  readOnly: boolean;
}

export interface PreparedTmpfs {
  /** In-jail directory. */
  target: string;
  size: number;
  mode: number;
  exec: boolean;
}

/** A device node of the jail, served by the host's node with the same type and numbers. */
export interface PreparedDevice {
  host: string;
  target: string;
}

export interface PreparedRun {
  root: SourceRoot;
  uid: number;
  gid: number;
  env: Record<string, string>;
  command: string[];
  workdir: string;
  binds: PreparedBind[];
  tmpfs: PreparedTmpfs[];
  devices: PreparedDevice[];
}

function bindSource(source: string): { path: string; dir: boolean } {
  try {
    const real = realpathSync(source);
    return { path: real, dir: statSync(real).isDirectory() };
  } catch (e) {
    throw new RunError('RUN_BIND_SOURCE', `bind source does not exist: ${errnoCode(e) ?? String(e)}`, {
      path: source,
    });
  }
}

/**
 * /proc must be a real directory of the jail (the job's own proc is mounted there); created
 * (root-owned 0555) when the jail has none, unless `create` is false (a rootless run cannot).
 */
export function ensureProcDir(root: SourceRoot, create = true): void {
  const proc = root.host('/proc');
  const st = lstatSync(proc, { throwIfNoEntry: false });
  if (st?.isDirectory()) return;
  if (st) throw new RunError('RUN_BAD_PROC', 'the jail’s /proc is not a directory', { path: proc });
  if (!create) {
    throw new RunError('RUN_NO_PROC', 'the jail has no /proc directory, and a rootless run cannot make one', {
      path: proc,
      hint: 'add /proc to the spec’s dirs: and build again, or as root `mkdir -m 555 JAIL/proc`',
    });
  }
  mkdirSync(proc, { mode: 0o555 });
}

/**
 * /tmp always (when the jail has one), unless the caller lists it; a later entry at the same path
 * replaces an earlier one. A path the caller lists must be a directory of the jail.
 */
export function tmpfsMounts(root: SourceRoot, asked: readonly TmpfsMount[] = []): PreparedTmpfs[] {
  const hasTmp = root.realpath('/tmp', false) !== null;
  const byPath = new Map<string, TmpfsMount>(hasTmp ? [['/tmp', { path: '/tmp' }]] : []);
  for (const t of asked) {
    if (!t.path.startsWith('/') || t.path.split('/').includes('..')) {
      throw new UsageError('RUN_BAD_TMPFS', `tmpfs path must be absolute without '..': "${t.path}"`);
    }
    byPath.set(t.path.replace(/\/+$/, '') || '/', t);
  }
  return [...byPath.values()]
    .map((t) => {
      const { dir } = jailMountPoint(root, t.path, 'tmpfs');
      if (!dir)
        throw new RunError('RUN_TMPFS_PATH', `tmpfs path is not a directory in the jail: ${t.path}`, {
          path: root.dir,
        });
      const size = t.size ?? DEFAULT_TMPFS_SIZE;
      if (!Number.isSafeInteger(size) || size < 4096) {
        throw new UsageError('RUN_BAD_TMPFS', `tmpfs ${t.path}: size must be at least 4K, got ${size}`);
      }
      return {
        target: t.path,
        size,
        mode: t.mode ?? (t.path === '/tmp' ? 0o1777 : 0o700),
        exec: t.exec ?? false,
      };
    })
    .sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
}

/** Host /dev nodes by type and numbers, for the jail's own device nodes. */
function hostDevices(): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync('/dev')) {
    const st = lstatSync(`/dev/${name}`, { throwIfNoEntry: false });
    if (st?.isCharacterDevice()) out.set(`c${st.rdev}`, `/dev/${name}`);
  }
  return out;
}

/**
 * The jail's /dev device nodes. The jail is mounted nodev, so each enters by a bind of the host's node
 * with the same numbers (nothing else of the host's /dev does). A block device, or a number the host
 * has no node for, is refused.
 */
export function jailDevices(root: SourceRoot): PreparedDevice[] {
  const dev = root.host('/dev');
  if (!lstatSync(dev, { throwIfNoEntry: false })?.isDirectory()) return [];
  const out: PreparedDevice[] = [];
  let host: Map<string, string> | undefined;
  for (const name of readdirSync(dev).sort()) {
    const st = lstatSync(`${dev}/${name}`);
    if (st.isBlockDevice()) {
      throw new RunError('RUN_DEVICE', `the jail holds a block device: /dev/${name}`, {
        path: `${dev}/${name}`,
      });
    }
    if (!st.isCharacterDevice()) continue;
    const same = lstatSync(`/dev/${name}`, { throwIfNoEntry: false });
    let source: string | undefined = `/dev/${name}`;
    if (!same?.isCharacterDevice() || same.rdev !== st.rdev) {
      // Only a jail node named unlike the host's needs the whole of /dev listed.
      host ??= hostDevices();
      source = host.get(`c${st.rdev}`);
    }
    if (!source) {
      throw new RunError('RUN_DEVICE', `no host device matches the jail's /dev/${name}`, {
        path: `${dev}/${name}`,
      });
    }
    out.push({ host: source, target: `/dev/${name}` });
  }
  return out;
}

export function prepareRun(opts: RunOptions): PreparedRun {
  if (opts.command.length === 0 || opts.command[0] === '') {
    throw new RunError('RUN_NO_COMMAND', 'no command given', { hint: 'jailsmith run DIR -- COMMAND ARG...' });
  }
  const root = openJail(opts.jail);
  const user = lookupUser(root, opts.user ?? DEFAULT_UID);
  const env: Record<string, string> = { PATH: DEFAULT_PATH, HOME: user.home, LANG: 'C.UTF-8', ...opts.env };
  const command = [...opts.command];
  const workdir = checkWorkdir(root, opts.workdir ?? '/');
  resolveCommand(root, command[0] as string, env.PATH ?? '', workdir);
  const binds = (opts.binds ?? []).map((b): PreparedBind => {
    const src = bindSource(b.source);
    const dst = jailMountPoint(root, b.target, 'bind');
    if (src.dir !== dst.dir) {
      throw new RunError(
        'RUN_BIND_TYPE',
        `bind ${b.source} → ${b.target}: one is a directory, the other is not`,
        {
          path: b.source,
        },
      );
    }
    return { source: src.path, target: b.target, dir: dst.dir, readOnly: b.readOnly };
  });
  const tmpfs = tmpfsMounts(root, opts.tmpfs);
  for (const t of tmpfs) {
    if (binds.some((b) => b.target === t.target)) {
      throw new UsageError('RUN_BAD_TMPFS', `${t.target} is both a bind target and a tmpfs`);
    }
  }
  return {
    root,
    uid: user.uid,
    gid: user.gid,
    env,
    command,
    workdir,
    binds,
    tmpfs,
    devices: jailDevices(root),
  };
}
