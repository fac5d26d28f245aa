import { spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Handlebars from 'handlebars';
import { errnoCode, LoginError } from '../errors.js';
import { writeFileAtomic } from '../sys/index.js';
import { PACKAGE_ROOT } from '../version.js';
import { ALLOW_DIR, allowListPath, type LoginUser, LSH_PATH } from './types.js';

export const DEFAULT_SSHD_DIR = '/etc/ssh/sshd_config.d';
export const DEFAULT_SSHD_CONFIG = '/etc/ssh/sshd_config';
const HEADER = '# jailsmith-login: ';

export interface SshdOptions {
  /** Directory of drop-ins (default /etc/ssh/sshd_config.d). */
  sshdDir?: string;
  /** The main config that includes it, given to `sshd -t -f` (default /etc/ssh/sshd_config). */
  sshdConfig?: string;
}

export function dropInPath(sshdDir: string, name: string): string {
  return path.join(sshdDir, `jailsmith-${name}.conf`);
}

let template: Handlebars.TemplateDelegate | undefined;

/** The drop-in's text: templates/login/sshd-dropin.conf.hbs. Every value was checked by names.ts. */
export function renderDropIn(u: LoginUser): string {
  template ??= Handlebars.create().compile(
    readFileSync(path.join(PACKAGE_ROOT, 'templates/login/sshd-dropin.conf.hbs'), 'utf8'),
    { strict: true, noEscape: true },
  );
  return template({
    user: u,
    record: JSON.stringify(u),
    sftp: u.mode === 'sftp',
    allowList: u.allow.length > 0 ? allowListPath(u.name) : false,
    lsh: LSH_PATH,
    allowDir: ALLOW_DIR,
  });
}

/** The login user a drop-in of ours describes, or null for any other file. */
export function parseDropIn(text: string): LoginUser | null {
  const line = text.split('\n').find((l) => l.startsWith(HEADER));
  if (!line) return null;
  try {
    return JSON.parse(line.slice(HEADER.length)) as LoginUser;
  } catch {
    return null;
  }
}

/** Our drop-ins in `sshdDir`, by user name. */
export function listDropIns(sshdDir: string): LoginUser[] {
  let names: string[];
  try {
    names = readdirSync(sshdDir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
  const out: LoginUser[] = [];
  for (const n of names.sort()) {
    if (!/^jailsmith-.*\.conf$/.test(n)) continue;
    const u = readDropIn(path.join(sshdDir, n));
    if (u) out.push(u);
  }
  return out;
}

export function readDropIn(file: string): LoginUser | null {
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      return fstatSync(fd).isFile() ? parseDropIn(readFileSync(fd, 'utf8')) : null;
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/**
 * The drop-in directory must be one only root can change: sshd runs its contents as root policy.
 * A missing directory is refused rather than made: the main config would not include it anyway.
 */
export function checkSshdDir(dir: string): void {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(dir);
  } catch (e) {
    throw new LoginError('LOGIN_SSHD_DIR', `the sshd drop-in directory cannot be used (${errnoCode(e)})`, {
      path: dir,
    });
  }
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0)
    throw new LoginError(
      'LOGIN_SSHD_DIR',
      'the sshd drop-in directory must be a root-owned directory not writable by group or others',
      { path: dir },
    );
}

/** Writes a drop-in atomically (0644 root), never through a link; returns the previous bytes. */
export function writeDropIn(file: string, text: string): void {
  // The temporary name ends in .tmp, which sshd's *.conf include never reads half-written.
  writeFileAtomic(file, text, { mode: 0o644 });
}

export function removeDropIn(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
}

const SSHD_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

export function sshdBinary(): string {
  for (const d of SSHD_DIRS) {
    try {
      const st = lstatSync(`${d}/sshd`);
      if (st.isFile() || st.isSymbolicLink()) return `${d}/sshd`;
    } catch {
      // next
    }
  }
  throw new LoginError(
    'LOGIN_NO_SSHD',
    'sshd is not installed: a drop-in cannot be checked with `sshd -t` (apt-get install openssh-server)',
    { path: '/usr/sbin/sshd' },
  );
}

/** `sshd -t`: the whole configuration as sshd would load it. Returns sshd's complaint or null. */
export function sshdTest(config: string): string | null {
  const r = spawnSync(sshdBinary(), ['-t', '-f', config], { encoding: 'utf8' });
  if (r.status === 0) return null;
  return (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(0, 3).join('; ');
}

/**
 * `sshd -t` of the configuration plus a drop-in not yet installed: a private config that includes
 * the main one and then the candidate, so a drop-in sshd refuses never sits in the live directory
 * (where an sshd restart at that moment would fail to start).
 */
export function sshdTestCandidate(config: string, name: string, text: string): string | null {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jailsmith-sshd-'));
  try {
    const dropIn = path.join(dir, `jailsmith-${name}.conf`);
    writeFileSync(dropIn, text, { mode: 0o600 });
    writeFileSync(path.join(dir, 'sshd_config'), `Include ${config}\nInclude ${dropIn}\n`, { mode: 0o600 });
    return sshdTest(path.join(dir, 'sshd_config'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `sshd -T -C user=NAME`: the settings sshd would apply to this user. Catches a drop-in the main
 * config does not include, or an earlier Match block that wins over ours (sshd takes the first
 * value it meets), both of which `sshd -t` accepts silently.
 */
export function effectiveProblems(config: string, u: LoginUser): string[] {
  const r = spawnSync(
    sshdBinary(),
    ['-T', '-f', config, '-C', `user=${u.name},host=localhost,addr=127.0.0.1`],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) return [`sshd -T failed: ${(r.stderr || '').trim().split('\n')[0]}`];
  const got = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf(' ');
    if (i > 0 && !got.has(line.slice(0, i))) got.set(line.slice(0, i), line.slice(i + 1));
  }
  const want: [string, string][] = [
    ['chrootdirectory', u.jail],
    ['authorizedkeysfile', u.keysFile],
    ['disableforwarding', 'yes'],
    ['permittunnel', 'no'],
    ['permittty', u.mode === 'shell' && u.allow.length === 0 ? 'yes' : 'no'],
  ];
  if (u.mode === 'sftp') want.push(['forcecommand', 'internal-sftp']);
  else if (u.allow.length > 0) want.push(['forcecommand', `${LSH_PATH} ${allowListPath(u.name)}`]);
  else want.push(['forcecommand', 'none']);
  const out: string[] = [];
  for (const [k, v] of want) {
    const have = got.get(k) ?? '(unset)';
    if (have !== v) out.push(`${k} is "${have}", not "${v}"`);
  }
  return out;
}
