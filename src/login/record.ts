import { closeSync, constants, fstatSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { errnoCode, LoginError } from '../errors.js';
import { jailPaths } from '../root/index.js';
import { writeFileAtomic } from '../sys/index.js';
import { checkConfigPath, checkInJailPath, checkUserName } from './names.js';
import type { LoginUser } from './types.js';

/**
 * The jail's login users, kept beside DIR (`.NAME.jailsmith-logins.json`, in the root-owned parent,
 * out of reach of jail users) like the build state. Every build of DIR reads it and puts these
 * users back into the jail's passwd, group and shadow, with their homes kept: "a rebuild keeps its
 * login users". Unlike the build state, a record we cannot trust is an error, not "none": silently
 * dropping users would rebuild their homes away.
 */
export function readLogins(dir: string): LoginUser[] {
  return readRecord(dir).users;
}

/** A home left in the jail by `user remove` without --purge-home: kept by rebuilds too. */
export interface KeptHome {
  name: string;
  home: string;
  uid: number;
  gid: number;
}

export interface LoginRecord {
  users: LoginUser[];
  kept: KeptHome[];
}

export function readRecord(dir: string): LoginRecord {
  const file = jailPaths(dir).logins;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    // ENOTDIR: a component of DIR is a file, so no jail (and no record) is there; the build's own
    // ancestor check then says what is in the way.
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return { users: [], kept: [] };
    throw bad(file, `cannot open it (${errnoCode(e)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== process.geteuid?.() || (st.mode & 0o022) !== 0)
      throw bad(file, 'not a regular file owned by us and writable only by us');
    let data: { format?: unknown; users?: unknown; kept?: unknown };
    try {
      data = JSON.parse(readFileSync(fd, 'utf8'));
    } catch {
      throw bad(file, 'not valid JSON');
    }
    if (data.format !== 1 || !Array.isArray(data.users)) throw bad(file, 'unknown format');
    const kept = Array.isArray(data.kept) ? data.kept.map((k) => checkKept(k, file)) : [];
    return { users: data.users.map((u) => checkUser(u, file)), kept };
  } finally {
    closeSync(fd);
  }
}

/** Writes the record (or removes it when it is empty): a new file renamed over the old. */
export function writeRecord(dir: string, rec: LoginRecord): void {
  const { users, kept } = rec;
  const file = jailPaths(dir).logins;
  if (users.length === 0 && kept.length === 0) {
    try {
      unlinkSync(file);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    return;
  }
  const sorted = [...users].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const keptSorted = [...kept].sort((a, b) => (a.home < b.home ? -1 : a.home > b.home ? 1 : 0));
  writeFileAtomic(file, `${JSON.stringify({ format: 1, users: sorted, kept: keptSorted }, null, 2)}\n`);
}

function checkKept(k: unknown, file: string): KeptHome {
  const r = (typeof k === 'object' && k !== null ? k : {}) as Record<string, unknown>;
  try {
    checkUserName(r.name as string);
    checkInJailPath(r.home as string, 'a kept home');
  } catch (e) {
    throw bad(file, `a kept home: ${(e as Error).message}`);
  }
  if (!Number.isInteger(r.uid) || !Number.isInteger(r.gid))
    throw bad(file, 'a kept home has no numeric owner');
  return r as unknown as KeptHome;
}

function bad(file: string, why: string): LoginError {
  return new LoginError('LOGIN_RECORD_BAD', `the jail's login record is unusable: ${why}`, { path: file });
}

const STRINGS = ['name', 'group', 'home', 'shell', 'jail', 'dropIn', 'keysFile'] as const;

function checkUser(u: unknown, file: string): LoginUser {
  if (typeof u !== 'object' || u === null) throw bad(file, 'a user entry is not an object');
  const r = u as Record<string, unknown>;
  for (const k of STRINGS) if (typeof r[k] !== 'string') throw bad(file, `a user has no ${k}`);
  for (const k of ['uid', 'gid'] as const)
    if (!Number.isInteger(r[k]) || (r[k] as number) < 0) throw bad(file, `a user has no numeric ${k}`);
  if (r.mode !== 'sftp' && r.mode !== 'shell') throw bad(file, `user ${String(r.name)} has no mode`);
  if (!Array.isArray(r.allow) || !r.allow.every((a) => typeof a === 'string'))
    throw bad(file, `user ${String(r.name)} has a bad allow list`);
  if (typeof r.created !== 'boolean') throw bad(file, `user ${String(r.name)} lacks "created"`);
  // These fields become passwd lines and sshd_config text: held to the same rules as `user add`.
  try {
    checkUserName(r.name as string);
    checkUserName(r.group as string);
    for (const p of [r.home, r.shell, ...(r.allow as string[])]) checkInJailPath(p as string, 'a path');
    for (const p of [r.jail, r.dropIn, r.keysFile]) checkConfigPath(p as string, 'a path');
  } catch (e) {
    throw bad(file, `user ${String(r.name)}: ${(e as Error).message}`);
  }
  return r as unknown as LoginUser;
}
