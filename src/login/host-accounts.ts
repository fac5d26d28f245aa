import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type ErrorCode, LoginError } from '../errors.js';
import { accountRecords, idField, parsePasswd } from '../sys/index.js';

/**
 * The host's accounts, through the standard tools: getent to read (so NSS sources such as LDAP
 * count too), groupadd/useradd/userdel to write (they lock /etc/passwd, group, shadow and gshadow
 * and keep their backups, which careful hand edits would have to redo).
 */
export interface HostAccount {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

function getent(db: 'passwd' | 'group', key?: string): string[] {
  const r = spawnSync('getent', key === undefined ? [db] : [db, key], { encoding: 'utf8' });
  // 2: key not found; 0 with lines otherwise. Anything else is a broken NSS setup: stop.
  if (r.status === 2) return [];
  if (r.status !== 0) {
    throw new LoginError('LOGIN_NSS', `getent ${db} failed (${r.error?.message ?? r.stderr.trim()})`, {
      path: `/etc/${db}`,
    });
  }
  return r.stdout.split('\n').filter(Boolean);
}

export function hostAccount(name: string): HostAccount | null {
  const [line] = getent('passwd', name);
  if (line === undefined) return null;
  const [u] = parsePasswd(line);
  if (u === undefined)
    throw new LoginError('LOGIN_NSS', `getent passwd ${name} gave a malformed entry: ${line}`, {
      path: '/etc/passwd',
    });
  return { name: u.name, uid: u.uid, gid: u.gid, home: u.home, shell: u.shell };
}

export function hostGroupName(gid: number): string | null {
  const [line] = getent('group', String(gid));
  return line === undefined ? null : (accountRecords(line)[0]?.fields[0] ?? null);
}

export function hostGroupExists(name: string): boolean {
  return getent('group', name).length > 0;
}

/** Every uid and gid the host knows of (both sets: a new account gets one number for both). */
export function hostIds(): Set<number> {
  const ids = new Set<number>();
  for (const db of ['passwd', 'group'] as const) {
    for (const { fields } of accountRecords(getent(db).join('\n'))) {
      const id = idField(fields[2]);
      if (id !== undefined) ids.add(id);
    }
  }
  return ids;
}

/**
 * The system's range for ordinary accounts (login.defs UID_MIN..UID_MAX, GID likewise): where
 * useradd would put them too, and clear of the high per-job range `run` allocates above it.
 */
export function accountRange(defs = '/etc/login.defs'): { min: number; max: number } {
  let text = '';
  try {
    text = readFileSync(defs, 'utf8');
  } catch {
    // no login.defs: shadow's compiled-in defaults
  }
  const get = (k: string, d: number): number => {
    const m = new RegExp(`^\\s*${k}\\s+(\\d+)\\s*$`, 'm').exec(text);
    return m ? Number(m[1]) : d;
  };
  return {
    min: Math.max(get('UID_MIN', 1000), get('GID_MIN', 1000)),
    max: Math.min(get('UID_MAX', 60000), get('GID_MAX', 60000)),
  };
}

/** The lowest id in the range used by none of `taken`. */
export function freeId(taken: Set<number>, range = accountRange()): number {
  for (let id = range.min; id <= range.max; id++) if (!taken.has(id)) return id;
  throw new LoginError('LOGIN_NO_FREE_ID', `no free uid/gid in ${range.min}..${range.max} (login.defs)`, {
    path: '/etc/login.defs',
  });
}

function tool(argv: string[], code: ErrorCode): void {
  try {
    execFileSync(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    const err = (e as { stderr?: string }).stderr?.trim() ?? String(e);
    throw new LoginError(code, `${argv[0]} failed: ${err.split('\n')[0]}`, { path: argv[argv.length - 1] });
  }
}

export interface NewAccount {
  name: string;
  id: number;
  home: string;
  shell: string;
  comment: string;
}

/**
 * groupadd + useradd with uid = gid = `id`; password field `*` (no password matches, yet the
 * account is not "locked" with `!`, which sshd refuses even for keys when PAM is off); no home on
 * the host (it lives in the jail); no subordinate ids (they would outlive the account's purpose).
 */
export function createAccount(a: NewAccount): void {
  tool(['groupadd', '-g', String(a.id), a.name], 'LOGIN_GROUPADD');
  try {
    tool(
      [
        'useradd',
        '-u',
        String(a.id),
        '-g',
        String(a.id),
        '-M',
        '-d',
        a.home,
        '-s',
        a.shell,
        '-c',
        a.comment,
        '-p',
        '*',
        '-K',
        'SUB_UID_COUNT=0',
        '-K',
        'SUB_GID_COUNT=0',
        a.name,
      ],
      'LOGIN_USERADD',
    );
  } catch (e) {
    tool(['groupdel', a.name], 'LOGIN_GROUPDEL');
    throw e;
  }
}

/**
 * userdel without -r: the account's home field names a path inside the jail, and -r would remove
 * the host path of that name. The user's own group goes with it (userdel does that only when
 * USERGROUPS_ENAB is set, so we finish the job).
 */
export function deleteAccount(name: string, group: string): void {
  tool(['userdel', name], 'LOGIN_USERDEL');
  if (group === name && hostGroupExists(name)) tool(['groupdel', name], 'LOGIN_GROUPDEL');
}
