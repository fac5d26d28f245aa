import path from 'node:path';
import { LoginError } from '../errors.js';
import { checkJailPath } from '../root/index.js';

/**
 * Names and paths that end up in sshd_config, passwd lines and a shell script. Stricter than the
 * tools need: a name or path that passes here means the same thing to useradd, sshd (no `%` token,
 * no blank, no quote, no `#`), the passwd format (no `:` or newline) and sh, so nothing is quoted.
 */
const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
const PATH_RE = /^\/[A-Za-z0-9._+/-]*$/;

export function checkUserName(name: string): string {
  if (!USER_RE.test(name)) {
    throw new LoginError(
      'LOGIN_BAD_NAME',
      `user name "${name}" is not a portable login name (a lowercase letter or _, then up to 31 of a-z 0-9 _ -)`,
      { path: name },
    );
  }
  return name;
}

/** An absolute host path safe to write into sshd_config unquoted; returned normalised. */
export function checkConfigPath(p: string, what: string): string {
  const abs = path.resolve(p);
  if (!PATH_RE.test(abs)) {
    throw new LoginError(
      'LOGIN_BAD_PATH',
      `${what} must be a path of letters, digits and . _ + - / only (sshd reads % as a token, blanks and quotes as syntax)`,
      { path: abs },
    );
  }
  return abs;
}

/** An in-jail path (a home, a shell) for passwd and sshd: a checked jail path of safe characters. */
export function checkInJailPath(p: string, what: string): string {
  if (!PATH_RE.test(p)) {
    throw new LoginError(
      'LOGIN_BAD_PATH',
      `${what} must be an absolute path of letters, digits and . _ + - /`,
      {
        path: p,
      },
    );
  }
  try {
    return checkJailPath(p);
  } catch {
    throw new LoginError('LOGIN_BAD_PATH', `${what} has an empty, "." or ".." component`, { path: p });
  }
}

/** Top-level directories of a jail that hold its system; a home there would make them the user's. */
const SYSTEM_TOP = new Set([
  'bin',
  'boot',
  'dev',
  'etc',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'proc',
  'run',
  'sbin',
  'sys',
  'usr',
  'var',
]);

/** Why a home at `home` (a checked jail path) would hand a system directory to its user, or null. */
export function systemHomeReason(home: string): string | null {
  if (home === '/') return 'the jail root';
  const top = home.slice(1).split('/')[0] ?? '';
  if (SYSTEM_TOP.has(top)) return `under the system directory /${top}`;
  return null;
}
