/**
 * PID 1 of a job's namespaces (started by `unshare --fork --kill-child`), still outside the jail:
 * closes inherited fds, makes the job's private mount tree (the jail bound onto itself nosuid, the
 * binds, a /proc of this PID namespace only), raises loopback, then runs the job chain and passes
 * its status back. Everything here dies with the namespace; nothing is left mounted on the host.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { constants as osConstants } from 'node:os';
import { readMountinfo } from '../audit/mountinfo.js';
import { type InnerConfig, SETUP_FAILED } from './inner-config.js';

const O_PATH = 0o10000000;
const O_CLOEXEC_FLAG = 0o2000000;

class SetupError extends Error {}

/** Closes every fd ≥ 3 that would survive exec: those the caller leaked to us (e.g. `exec 9</srv`). */
function closeInheritedFds(): void {
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd < 3) continue;
    let flags: number;
    try {
      const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
      flags = Number.parseInt(/^flags:\s*([0-7]+)/m.exec(info)?.[1] ?? '0', 8);
    } catch {
      continue; // the directory listing's own fd, already closed
    }
    if ((flags & O_CLOEXEC_FLAG) === 0) closeSync(fd);
  }
}

function run(argv: string[]): void {
  const [cmd, ...args] = argv as [string, ...string[]];
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0)
    throw new SetupError(`${argv.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
}

/**
 * Mounts onto a target held by an O_PATH|O_NOFOLLOW fd, through its /proc magic link, so a symlink
 * swapped in after the host-side check cannot redirect the mount.
 */
function withPathFd(target: string, dir: boolean, fn: (magic: string) => void): void {
  const fd = openSync(target, O_PATH | constants.O_NOFOLLOW | O_CLOEXEC_FLAG);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory() !== dir || (!dir && !st.isFile())) throw new SetupError(`${target} changed type`);
    // Where the fd really is: a component swapped for a symlink since the check would show here.
    const magic = `/proc/${readlinkSync('/proc/self')}/fd/${fd}`;
    if (readlinkSync(magic) !== target) throw new SetupError(`${target} moved (now ${readlinkSync(magic)})`);
    fn(magic);
  } finally {
    closeSync(fd);
  }
}

/** Per-mount options of the last (top) mount at a mount point, from our own mountinfo. */
function mountOptions(mountPoint: string): string[] | null {
  return readMountinfo().findLast((m) => m.mountPoint === mountPoint)?.options ?? null;
}

function setup(c: InnerConfig): void {
  const m = c.mount;
  run([m, '--no-canonicalize', '--bind', c.jail, c.jail]);
  run([m, '--no-canonicalize', '-o', 'remount,bind,nosuid', c.jail]);
  for (const b of c.binds) {
    withPathFd(b.target, b.dir, (magic) => run([m, '--no-canonicalize', '--bind', b.source, magic]));
    const opts = `remount,bind,nosuid,nodev${b.readOnly ? ',ro' : ''}`;
    run([m, '--no-canonicalize', '-o', opts, b.target]);
    // The remount goes by path; fail closed unless the top mount there now has the flags asked for.
    const top = mountOptions(b.target);
    if (top === null || !top.includes('nosuid') || top.includes('ro') !== b.readOnly) {
      throw new SetupError(`${b.target}: bind mount options are ${top?.join(',') ?? 'missing'}`);
    }
  }
  withPathFd(`${c.jail}/proc`, true, (magic) =>
    run([
      m,
      '--no-canonicalize',
      '-t',
      'proc',
      '-o',
      'nosuid,nodev,noexec,hidepid=invisible,subset=pid',
      'proc',
      magic,
    ]),
  );
  if (c.ip) run([c.ip, 'link', 'set', 'lo', 'up']);
}

function main(): void {
  closeInheritedFds();
  // The outer side ends a job past --timeout with SIGTERM to us: as PID 1 our exit kills the rest.
  process.on('SIGTERM', () => process.exit(128 + 15));
  const c = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as InnerConfig;
  try {
    setup(c);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    writeFileSync(c.errorFile, msg);
    process.exit(SETUP_FAILED);
  }
  const [cmd, ...args] = c.chain as [string, ...string[]];
  // cwd = the jail: chdir before the chroot that unshare --root does, then it chdirs to --wd.
  const child = spawn(cmd, args, { cwd: c.jail, env: c.env, stdio: 'inherit' });
  child.on('error', (e) => {
    writeFileSync(c.errorFile, e.message);
    process.exit(SETUP_FAILED);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? 128 + (signal ? osConstants.signals[signal] : 0));
  });
}

main();
