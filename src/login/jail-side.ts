import { lstatSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { errnoCode, LoginError } from '../errors.js';
import { readJailFile, under } from '../root/index.js';
import { PACKAGE_ROOT } from '../version.js';
import type { AccountDb } from './accounts-text.js';
import { type LoginUser, LSH_PATH } from './types.js';

/** The jail's passwd, group and shadow as they are now; a directory without them is no jail of ours. */
export function jailAccountFiles(jail: string): Record<AccountDb, string> {
  const out = {} as Record<AccountDb, string>;
  for (const db of ['passwd', 'group', 'shadow'] as const) {
    const text = readJailFile(jail, `/etc/${db}`);
    if (text === undefined)
      throw new LoginError('LOGIN_NOT_A_JAIL', `${jail} has no /etc/${db}: build it with jailsmith first`, {
        path: under(jail, `/etc/${db}`),
      });
    out[db] = text;
  }
  return out;
}

/**
 * Where in-jail path `p` leads, following symlinks the way the kernel would after chroot (an
 * absolute target starts again at the jail root, `..` stops there). Returns the final in-jail path
 * and its lstat, or null when it does not exist.
 */
export function resolveInJail(jail: string, p: string): { path: string; st: Stats } | null {
  const todo = p.split('/').filter(Boolean).reverse();
  let cur: string[] = [];
  let hops = 0;
  while (todo.length > 0) {
    const c = todo.pop() as string;
    if (c === '.') continue;
    if (c === '..') {
      cur.pop();
      continue;
    }
    const next = [...cur, c];
    let st: Stats;
    try {
      st = lstatSync(under(jail, `/${next.join('/')}`));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return null;
      throw e;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 40) return null;
      const t = readlinkSync(under(jail, `/${next.join('/')}`));
      if (t.startsWith('/')) cur = [];
      todo.push(...t.split('/').filter(Boolean).reverse());
      continue;
    }
    cur = next;
    if (todo.length === 0) return { path: `/${cur.join('/')}`, st };
  }
  return { path: '/', st: lstatSync(jail) };
}

/** True when `p` leads to an executable regular file inside the jail. */
export function executableInJail(jail: string, p: string): boolean {
  const r = resolveInJail(jail, p);
  return r?.st.isFile() === true && (r.st.mode & 0o111) !== 0;
}

const CMD_DIRS = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'];

/** An --allow command as an absolute in-jail path: as given, or the first match on the jail's PATH. */
export function findCommand(jail: string, cmd: string): string {
  const tries = cmd.startsWith('/') ? [cmd] : CMD_DIRS.map((d) => `${d}/${cmd}`);
  const found = tries.find((p) => executableInJail(jail, p));
  if (found === undefined || cmd.includes('..') || (!cmd.startsWith('/') && cmd.includes('/'))) {
    throw new LoginError(
      'LOGIN_ALLOW_MISSING',
      `allowed command "${cmd}" is not an executable file in the jail${cmd.startsWith('/') ? '' : ` (looked in ${CMD_DIRS.join(':')})`}`,
      { path: cmd },
    );
  }
  return found;
}

/** The shell a shell-mode login gets: the jail's bash, else its sh. */
export function jailShell(jail: string): string {
  for (const s of ['/bin/bash', '/bin/sh']) if (executableInJail(jail, s)) return s;
  throw new LoginError('LOGIN_NO_SHELL', 'the jail has no /bin/bash or /bin/sh for a shell login', {
    path: under(jail, '/bin/sh'),
  });
}

/**
 * bash started by sshd reads ~/.bashrc even for `bash -c ForceCommand` (Debian builds it with
 * SSH_SOURCE_BASHRC), and the home is the user's: an allow-list behind bash is no allow-list.
 */
export function readsRcUnderSsh(jail: string, shell: string): boolean {
  const r = resolveInJail(jail, shell);
  return r !== null && /bash/.test(path.basename(r.path));
}

/** The allow-list checker (templates/login/lsh.sh) and one user's list. */
export function lshScript(): string {
  return readFileSync(path.join(PACKAGE_ROOT, 'templates/login/lsh.sh'), 'utf8');
}

export function allowListText(u: LoginUser): string {
  return `# Commands ${u.name} may run (jailsmith user add --allow); root-owned, read by ${LSH_PATH}.\n${u.allow.map((a) => `${a}\n`).join('')}`;
}
