/**
 * Read-only questions about a jail, asked from the host before anything runs: is it a jail, who is
 * the user, does the command exist, where may binds go. In-jail paths resolve like the kernel after
 * chroot (SourceRoot), so a jail's symlinks can never send a lookup to the host.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { errnoCode, RunError } from '../errors.js';
import { SourceRoot } from '../resolve/index.js';
import { findOnPath, isFileInRoot, parsePasswd } from '../sys/index.js';

/** The canonical host path of a jail directory, or a RunError saying why it is not one. */
export function openJail(dir: string): SourceRoot {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (e) {
    throw new RunError('RUN_NOT_A_JAIL', `not a jail: ${errnoCode(e) ?? String(e)}`, { path: dir });
  }
  if (!statSync(real).isDirectory())
    throw new RunError('RUN_NOT_A_JAIL', 'not a jail: not a directory', { path: dir });
  if (real === '/') throw new RunError('RUN_NOT_A_JAIL', 'not a jail: refusing the host root', { path: dir });
  const root = new SourceRoot(real);
  const passwd = root.realpath('/etc/passwd');
  if (!passwd || !lstatSync(root.host(passwd.path)).isFile()) {
    throw new RunError('RUN_NOT_A_JAIL', 'not a jail: no /etc/passwd inside', {
      path: dir,
      hint: 'build one with `jailsmith build SPEC DIR`',
    });
  }
  return root;
}

export interface JailUser {
  uid: number;
  gid: number;
  home: string;
  name: string | null;
}

/** A name from the jail's passwd, or a uid number (gid from passwd when listed, else = uid). */
export function lookupUser(root: SourceRoot, user: string | number): JailUser {
  const passwd = root.realpath('/etc/passwd');
  // Parsed as data, never through NSS (which would load code from the jail).
  const users: JailUser[] = passwd
    ? parsePasswd(readFileSync(root.host(passwd.path), 'utf8')).map((u) => ({
        name: u.name,
        uid: u.uid,
        gid: u.gid,
        home: u.home || '/',
      }))
    : [];
  let found: JailUser | undefined;
  if (typeof user === 'number' || /^\d+$/.test(user)) {
    const uid = Number(user);
    found = users.find((u) => u.uid === uid) ?? { uid, gid: uid, home: '/', name: null };
  } else {
    found = users.find((u) => u.name === user);
    if (!found) {
      throw new RunError('RUN_UNKNOWN_USER', `user "${user}" is not in the jail's /etc/passwd`, {
        path: root.host('/etc/passwd'),
        hint: 'a uid number needs no passwd entry',
      });
    }
  }
  if (found.uid === 0 || found.gid === 0) {
    throw new RunError('RUN_ROOT_USER', 'refusing to run a job as uid or gid 0: root escapes a chroot', {
      path: root.dir,
    });
  }
  if (found.uid > 0xfffffffe || found.gid > 0xfffffffe)
    throw new RunError('RUN_BAD_USER', `uid out of range: ${user}`);
  return found;
}

/**
 * The in-jail path the job will execute: a path with '/' is taken as it is, a bare name is looked up
 * in PATH. It must be a regular file with an execute bit once the jail's own links are followed.
 */
export function resolveCommand(root: SourceRoot, command: string, pathVar: string, workdir = '/'): string {
  if (command.includes('/')) {
    const c = command.startsWith('/') ? command : `${workdir}/${command}`;
    if (isFileInRoot(root, c)) return c;
  } else {
    const found = findOnPath(root, command, { dirs: pathVar.split(':') });
    if (found !== null) return found;
  }
  throw new RunError('RUN_NO_COMMAND', `command not found in the jail: ${command}`, {
    path: root.dir,
    hint: command.includes('/') ? undefined : `looked in PATH=${pathVar}`,
  });
}

/** An existing directory of the jail, for --workdir. */
export function checkWorkdir(root: SourceRoot, dir: string): string {
  const real = dir.startsWith('/') ? root.realpath(dir) : null;
  if (!real || !lstatSync(root.host(real.path)).isDirectory()) {
    throw new RunError(
      'RUN_BAD_WORKDIR',
      `--workdir must be an absolute directory that exists in the jail: ${dir}`,
      {
        path: root.dir,
      },
    );
  }
  return dir;
}

/**
 * An in-jail mount point (a bind target or a tmpfs). It must exist in the jail and be reached
 * without any symlink: bubblewrap follows links when it mounts, and a link could point anywhere
 * under the job's root. Not /, and not under /proc (the job's own).
 */
export function jailMountPoint(root: SourceRoot, target: string, what: 'bind' | 'tmpfs'): { dir: boolean } {
  const real = root.realpath(target, false);
  const code = what === 'bind' ? 'RUN_BIND_TARGET' : 'RUN_TMPFS_PATH';
  if (!real) {
    throw new RunError(code, `${what} target does not exist in the jail: ${target}`, {
      path: root.dir,
      hint: 'create the directory or file in the spec (dirs:) so the jail has it',
    });
  }
  const st = lstatSync(root.host(real.path));
  if (real.links.length > 0 || st.isSymbolicLink()) {
    throw new RunError(
      what === 'bind' ? 'RUN_BIND_SYMLINK' : code,
      `${what} target passes through a symlink in the jail: ${target}`,
      { path: root.host(real.links[0] ?? real.path) },
    );
  }
  if (real.path === '/' || real.path === '/proc' || real.path.startsWith('/proc/')) {
    throw new RunError(code, `${what} target may not be / or under /proc: ${target}`, { path: root.dir });
  }
  if (!st.isDirectory() && !st.isFile()) {
    throw new RunError(code, `${what} target must be a directory or a regular file: ${target}`, {
      path: root.host(real.path),
    });
  }
  return { dir: st.isDirectory() };
}
