import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { errnoCode, LoginError } from '../errors.js';
import { acquireLock, jailPaths, under } from '../root/index.js';
import { accountRecords, idField, parseShadow } from '../sys/index.js';
import { mergeAll } from './accounts-text.js';
import { checkChroot } from './chroot-rules.js';
import {
  checkSshdDir,
  DEFAULT_SSHD_CONFIG,
  DEFAULT_SSHD_DIR,
  dropInPath,
  renderDropIn,
  type SshdOptions,
  sshdTest,
} from './dropin.js';
import { freeId, hostAccount, hostGroupExists, hostGroupName, hostIds } from './host-accounts.js';
import {
  executableInJail,
  findCommand,
  jailAccountFiles,
  jailShell,
  readsRcUnderSsh,
  resolveInJail,
} from './jail-side.js';
import { type PublicKey, readKeyFile } from './keys.js';
import { checkConfigPath, checkInJailPath, checkUserName, systemHomeReason } from './names.js';
import { type LoginRecord, readRecord } from './record.js';
import { applyAdd } from './steps.js';
import type { LoginMode, LoginUser } from './types.js';

export interface AddLoginOptions extends SshdOptions {
  name: string;
  /** The jail directory (sshd's ChrootDirectory). */
  jail: string;
  /** sftp (default): ForceCommand internal-sftp; shell: the jail's shell or an allow-list. */
  mode?: LoginMode;
  /** A public key file (ssh-keygen's .pub or authorized_keys lines without options). */
  keyFile?: string;
  /** Shell mode only: the commands the user may run (names on the jail's PATH or jail paths). */
  allow?: string[];
  /** Jail an account the host already has, instead of making one. */
  existing?: boolean;
}

export interface AddLoginResult {
  user: LoginUser;
  keys: number;
  /** False when a home of this user was already in the jail and was kept. */
  homeCreated: boolean;
  notes: string[];
}

/** Everything `user add` will do, worked out and checked before any change. */
export interface AddPlan {
  user: LoginUser;
  keys: PublicKey[];
  sshdConfig: string;
  dropInText: string;
  /** The jail's account files now, and with the user. */
  before: ReturnType<typeof jailAccountFiles>;
  after: ReturnType<typeof jailAccountFiles>;
  homeExists: boolean;
  others: LoginUser[];
  /** The jail's login record before the change. */
  record: LoginRecord;
}

/**
 * Puts a login user into a jail: the sshd drop-in (checked by sshd), the managed keys, the host
 * account (or an existing one), the jail's passwd/group/shadow lines, the home and, for an
 * allow-list, the checker. Every check runs before the first change; a failure after it takes back
 * what was done, so a refusal leaves the host's passwd, group, shadow and sshd config as they were.
 */
export function addLoginUser(opts: AddLoginOptions): AddLoginResult {
  // The jail's build lock: a build running meanwhile would swap in a tree without the new lines.
  // Taken once the jail path passed the chroot rules, so the lock file lands in a safe parent.
  checkChroot(checkConfigPath(opts.jail, 'the jail path'));
  const release = acquireLock(jailPaths(opts.jail));
  let p: AddPlan;
  try {
    p = planAdd(opts);
    applyAdd(p);
  } finally {
    release();
  }
  // sshd reads its configuration when it starts or reloads; until then it ignores the drop-in, and
  // a new account has no keys sshd would look at (its host home does not exist), so it cannot log in.
  const notes: string[] = [
    'sshd applies the drop-in when it (re)loads its configuration: systemctl reload ssh',
  ];
  if (p.keys.length === 0)
    notes.push(`no key given: nobody can log in as ${p.user.name} until keys are in ${p.user.keysFile}`);
  if (p.homeExists) notes.push(`kept the home ${p.user.home} already in the jail`);
  notes.push(
    "sftp and shell sessions log through the jail's /dev/log, which jailsmith does not provide: their log lines are lost; sshd's own login log is kept",
  );
  if (!p.user.created) {
    notes.push(
      `${p.user.name} is an existing account: until sshd reloads it still logs in to the host unjailed, and its own ~/.ssh keys no longer count (only ${p.user.keysFile})`,
    );
    if (shadowLocked(p.user.name))
      notes.push(
        `${p.user.name} is locked ("!" in /etc/shadow): sshd without PAM refuses even its key logins (usermod -p '*' ${p.user.name} allows keys only)`,
      );
  }
  return { user: p.user, keys: p.keys.length, homeCreated: !p.homeExists, notes };
}

export function planAdd(opts: AddLoginOptions): AddPlan {
  const name = checkUserName(opts.name);
  const mode: LoginMode = opts.mode ?? 'sftp';
  if (mode !== 'sftp' && mode !== 'shell')
    throw new LoginError('LOGIN_BAD_MODE', `mode must be sftp or shell, not "${String(mode)}"`, {
      path: name,
    });
  const allowGiven = opts.allow ?? [];
  if (allowGiven.length > 0 && mode !== 'shell')
    throw new LoginError('LOGIN_ALLOW_NEEDS_SHELL', '--allow applies to --mode shell only', { path: name });

  const jail = checkConfigPath(opts.jail, 'the jail path');
  checkChroot(jail);
  const before = jailAccountFiles(jail);
  const keys = opts.keyFile === undefined ? [] : readKeyFile(opts.keyFile);

  const sshdDir = checkConfigPath(opts.sshdDir ?? DEFAULT_SSHD_DIR, 'the sshd drop-in directory');
  checkSshdDir(sshdDir);
  const sshdConfig = path.resolve(opts.sshdConfig ?? DEFAULT_SSHD_CONFIG);
  const broken = sshdTest(sshdConfig);
  if (broken !== null)
    throw new LoginError('LOGIN_SSHD_BROKEN', `sshd already refuses its configuration: ${broken}`, {
      path: sshdConfig,
    });
  const dropIn = dropInPath(sshdDir, name);
  if (exists(dropIn))
    throw new LoginError('LOGIN_ALREADY_JAILED', `${name} already has a jailsmith drop-in`, { path: dropIn });
  const record = readRecord(jail);
  const others = record.users;
  if (others.some((u) => u.name === name))
    throw new LoginError('LOGIN_ALREADY_JAILED', `${name} is already a login user of this jail`, {
      path: jail,
    });

  const user = opts.existing
    ? existingUser(name, mode, jail)
    : newUser(name, mode, jail, allowGiven.length > 0, before, record);
  user.dropIn = dropIn;
  user.keysFile = checkConfigPath(path.join(jailPaths(jail).keys, name), 'the keys file');
  user.allow = [...new Set(allowGiven.map((c) => findCommand(jail, c)))];
  if (user.allow.length > 0 && readsRcUnderSsh(jail, user.shell))
    throw new LoginError(
      'LOGIN_SHELL_READS_RC',
      `${user.shell} is bash, which reads the user's ~/.bashrc before sshd's ForceCommand: an allow-list behind it can be bypassed; use an account whose shell is /bin/sh (dash)`,
      { path: user.shell },
    );

  const why = systemHomeReason(user.home);
  if (why !== null)
    throw new LoginError(
      'LOGIN_HOME_UNSAFE',
      `home ${user.home} is ${why}: the user would own a system directory`,
      {
        path: user.home,
      },
    );
  const homeExists = checkHome(jail, user);
  const after = mergeAll(before, [user]);
  return {
    user,
    keys,
    sshdConfig,
    dropInText: renderDropIn(user),
    before,
    after,
    homeExists,
    others,
    record,
  };
}

function existingUser(name: string, mode: LoginMode, jail: string): LoginUser {
  const a = hostAccount(name);
  if (a === null)
    throw new LoginError('LOGIN_USER_MISSING', `--existing: the host has no account ${name}`, {
      path: '/etc/passwd',
    });
  if (a.uid === 0 || a.gid === 0)
    throw new LoginError('LOGIN_USER_ROOT', `${name} has uid or gid 0: root is never jailed`, {
      path: '/etc/passwd',
    });
  const home = checkInJailPath(a.home, `the home of ${name}`);
  const shell = checkInJailPath(a.shell || '/bin/sh', `the shell of ${name}`);
  // sshd runs the account's own shell (the host's passwd) inside the jail after chroot.
  if (mode === 'shell' && !executableInJail(jail, shell))
    throw new LoginError('LOGIN_NO_SHELL', `the shell of ${name}, ${shell}, is not in the jail`, {
      path: under(jail, shell),
    });
  const group = hostGroupName(a.gid) ?? name;
  return { ...blank(name, mode, jail), uid: a.uid, gid: a.gid, group, home, shell, created: false };
}

function newUser(
  name: string,
  mode: LoginMode,
  jail: string,
  allowList: boolean,
  files: ReturnType<typeof jailAccountFiles>,
  record: LoginRecord,
): LoginUser {
  if (hostAccount(name) !== null)
    throw new LoginError(
      'LOGIN_USER_EXISTS',
      `${name} is an existing account on this host: pass --existing to jail it as it is`,
      { path: '/etc/passwd' },
    );
  if (hostGroupExists(name))
    throw new LoginError('LOGIN_GROUP_EXISTS', `the host already has a group ${name}`, {
      path: '/etc/group',
    });
  // One number for uid and gid, free on the host, in the jail and among the jail's login users.
  const taken = hostIds();
  for (const db of ['passwd', 'group'] as const)
    for (const { fields } of accountRecords(files[db])) {
      const id = idField(fields[2]);
      if (id !== undefined) taken.add(id);
    }
  for (const u of record.users) taken.add(u.uid).add(u.gid);
  // Owners of what is already under the jail's /home (homes of users gone without a record): a new
  // account with such a uid would own another person's files.
  // A home `user remove` kept for this name comes back with its old id, when that id is still free.
  const kept = record.kept.find((k) => k.name === name && k.home === `/home/${name}` && k.uid === k.gid);
  for (const n of safeList(under(jail, '/home'))) {
    if (kept !== undefined && n === name) continue;
    try {
      const st = lstatSync(under(jail, `/home/${n}`));
      taken.add(st.uid).add(st.gid);
    } catch {
      // gone meanwhile
    }
  }
  for (const k of record.kept) if (k !== kept) taken.add(k.uid).add(k.gid);
  const id = kept !== undefined && !taken.has(kept.uid) ? kept.uid : freeId(taken);
  // sftp: sshd runs internal-sftp itself, the shell is never started. An allow-list sits behind sh
  // (dash reads no rc file for `sh -c`); otherwise the jail's bash or sh.
  const shell = mode === 'sftp' ? '/usr/sbin/nologin' : allowList ? '/bin/sh' : jailShell(jail);
  if (allowList && !executableInJail(jail, shell))
    throw new LoginError('LOGIN_NO_SHELL', 'an allow-list needs /bin/sh in the jail', {
      path: under(jail, shell),
    });
  return {
    ...blank(name, mode, jail),
    uid: id,
    gid: id,
    group: name,
    home: `/home/${name}`,
    shell,
    created: true,
  };
}

function blank(name: string, mode: LoginMode, jail: string): LoginUser {
  return {
    name,
    uid: -1,
    gid: -1,
    group: name,
    home: '',
    shell: '',
    mode,
    allow: [],
    created: true,
    jail,
    dropIn: '',
    keysFile: '',
  };
}

/** True when the home is already there as this user's directory; refuses anything else there. */
function checkHome(jail: string, u: LoginUser): boolean {
  const r = resolveInJail(jail, u.home);
  let st: ReturnType<typeof lstatSync> | undefined;
  try {
    st = lstatSync(under(jail, u.home));
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT' && errnoCode(e) !== 'ENOTDIR') throw e;
  }
  if (st === undefined && r === null) return false;
  if (st?.isDirectory() && r?.path === u.home && st.uid === u.uid) return true;
  throw new LoginError(
    'LOGIN_HOME_EXISTS',
    `${u.home} is already in the jail${st?.isDirectory() ? ` (owned by uid ${st.uid})` : ''}: move it away or pick another user`,
    { path: under(jail, u.home) },
  );
}

/** The account's shadow password field starts with "!" (usermod -L, useradd's default). */
function shadowLocked(name: string): boolean {
  try {
    const entry = parseShadow(readFileSync('/etc/shadow', 'utf8')).find((e) => e.name === name);
    return entry?.hash.startsWith('!') === true;
  } catch {
    return false;
  }
}

function safeList(dir: string): string[] {
  try {
    return lstatSync(dir).isDirectory() ? readdirSync(dir) : [];
  } catch {
    return [];
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
