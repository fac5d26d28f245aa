/**
 * Login jails (`jailsmith user add`): the jail's login record beside it names users that sshd
 * chroots here. These checks read that record, the sshd drop-ins and managed keys it names (host
 * files, read only) and the walked entries; a jail without a record gets no finding from them.
 */
import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
// The login modules themselves, not login/index.js: that barrel also pulls in `user add` (the
// planner, the builder, YAML, handlebars...), over a megabyte of code an audit never runs.
import { chrootProblems } from '../../login/chroot-rules.js';
import { systemHomeReason } from '../../login/names.js';
import { type KeptHome, type LoginRecord, readRecord } from '../../login/record.js';
import { allowListPath, type LoginUser, LSH_PATH } from '../../login/types.js';
import { accountRecords, octalMode } from '../../sys/index.js';
import type { AuditContext, Check, Finding } from '../types.js';
import { at } from './util.js';

const records = new WeakMap<AuditContext, LoginRecord>();

/** The record for this audit, read once; an unusable one is a warning and counts as none. */
function loginRecord(ctx: AuditContext): LoginRecord {
  let r = records.get(ctx);
  if (r === undefined) {
    try {
      r = readRecord(ctx.jail);
    } catch (e) {
      ctx.warn('/', (e as Error).message);
      r = { users: [], kept: [] };
    }
    records.set(ctx, r);
  }
  return r;
}

function names(users: LoginUser[]): string {
  return users.map((u) => u.name).join(', ');
}

export const loginChrootRefused: Check = {
  id: 'login-chroot-refused',
  severity: 'high',
  title: 'sshd would refuse the jail as ChrootDirectory of its login users',
  why: 'OpenSSH refuses a chroot path with a component not root-owned or writable by group/others: the users cannot log in, and whoever can write there can swap the jail.',
  help: 'chown root:root and chmod go-w each component named, up to /.',
  run(ctx) {
    const { users } = loginRecord(ctx);
    if (users.length === 0) return [];
    return chrootProblems(ctx.jailGiven).map((p) =>
      at(this, 'high', '/', `component ${p.path} ${p.why}: sshd refuses logins of ${names(users)}`),
    );
  },
};

function homeFindings(check: Check, ctx: AuditContext, who: string, home: KeptHome | LoginUser): Finding[] {
  const out: Finding[] = [];
  const why = systemHomeReason(home.home);
  if (why !== null) out.push(at(check, 'critical', home.home, `home of ${who} is ${why}: the user owns it`));
  // Every directory above the home: the user must own none, nor write any through its group.
  const parts = home.home.split('/').filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const p = `/${parts.slice(0, i + 1).join('/')}`;
    const e = ctx.byPath.get(p);
    if (e === undefined) break;
    const last = i === parts.length - 1;
    if (e.type === 'symlink') {
      out.push(at(check, last ? 'high' : 'critical', p, `a symlink on the path of ${who}'s home`));
      break;
    }
    if (last) break;
    if (e.uid === home.uid)
      out.push(
        at(check, 'critical', p, `owned by ${who}, above the home: the user can rename what is in it`),
      );
    else if (e.gid === home.gid && (e.mode & 0o020) !== 0 && (e.mode & 0o1000) === 0)
      out.push(at(check, 'critical', p, `writable by ${who}'s group, above the home`));
  }
  return out;
}

export const loginHomeSystemDir: Check = {
  id: 'login-home-system-dir',
  severity: 'critical',
  title: "A login user's home makes a system directory the user's",
  why: 'A home at /, under /etc, /usr, /lib... or below a directory the user owns lets the user replace what the jail and sshd rely on.',
  help: 'Give the user a home under /home (jailsmith user add does), owned by the user, below root-owned directories.',
  run(ctx) {
    const { users, kept } = loginRecord(ctx);
    return [
      ...users.flatMap((u) => homeFindings(this, ctx, u.name, u)),
      ...kept.flatMap((k) => homeFindings(this, ctx, `uid ${k.uid} (removed user ${k.name})`, k)),
    ];
  },
};

/** Why a host file or directory sshd trusts could be changed by someone other than root, or null. */
function hostFileProblem(p: string): string | null {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(p);
  } catch {
    return null;
  }
  if (st.isSymbolicLink()) return `${p} is a symlink`;
  if (st.uid !== 0) return `${p} is owned by uid ${st.uid}`;
  if ((st.mode & 0o022) !== 0) return `${p} is group/other-writable`;
  return null;
}

function authorizedKeysFile(dropIn: string): string | null | undefined {
  let text: string;
  try {
    text = readFileSync(dropIn, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^\s*AuthorizedKeysFile\s+(\S+)\s*$/im.exec(text);
  return m ? (m[1] as string) : null;
}

export const loginKeysUserWritable: Check = {
  id: 'login-keys-user-writable',
  severity: 'high',
  title: 'Managed authorized_keys a login user (or anyone but root) can rewrite',
  why: 'Keys are managed by the administrator: a keys file, its directory or an AuthorizedKeysFile pointing elsewhere that the user can write lets the user add keys of their own choosing.',
  help: 'Keep the keys file root-owned 0644 in a root-owned 0755 directory, and the drop-in pointing at it (jailsmith user add does both).',
  run(ctx) {
    const out: Finding[] = [];
    for (const u of loginRecord(ctx).users) {
      for (const p of [u.keysFile, path.dirname(u.keysFile)]) {
        const why = hostFileProblem(p);
        if (why !== null) out.push(at(this, 'high', '/', `keys of ${u.name}: ${why}`));
      }
      const akf = authorizedKeysFile(u.dropIn);
      if (akf !== undefined && akf !== u.keysFile)
        out.push(
          at(
            this,
            'high',
            '/',
            `the drop-in ${u.dropIn} makes sshd read ${u.name}'s keys from ${akf ?? "the user's home"}, not ${u.keysFile}`,
          ),
        );
    }
    return out;
  },
};

export const loginAllowlistWritable: Check = {
  id: 'login-allowlist-writable',
  severity: 'high',
  title: 'The allow-list checker, a list or an allowed command that is not root-only',
  why: 'A shell user limited to some commands who can change the checker, the list or a listed program runs anything.',
  help: 'Rebuild the jail (the checker and lists are generated root-owned) or fix the owner and mode.',
  run(ctx) {
    const out: Finding[] = [];
    for (const u of loginRecord(ctx).users) {
      if (u.allow.length === 0) continue;
      for (const p of [LSH_PATH, allowListPath(u.name), ...u.allow]) {
        const e = ctx.byPath.get(p);
        if (e === undefined) {
          if (p !== LSH_PATH && p !== allowListPath(u.name)) continue; // a command behind a link
          out.push(at(this, 'high', p, `missing: ${u.name}'s commands are not checked`));
        } else if (e.type === 'symlink' && (p === LSH_PATH || p === allowListPath(u.name)))
          out.push(at(this, 'high', p, 'a symlink where the allow-list machinery must be a file'));
        else if (e.type !== 'symlink' && (e.uid !== 0 || (e.mode & 0o022) !== 0))
          out.push(
            at(
              this,
              'high',
              p,
              `writable by someone other than root (uid ${e.uid}, mode ${octalMode(e.mode)})`,
            ),
          );
      }
    }
    return out;
  },
};

function chrootOf(dropIn: string, name: string): string | null {
  let text: string;
  try {
    text = readFileSync(dropIn, 'utf8');
  } catch {
    return null;
  }
  if (!new RegExp(`^\\s*Match\\s+User\\s+${name}\\s*$`, 'm').test(text)) return null;
  return /^\s*ChrootDirectory\s+(\S+)\s*$/m.exec(text)?.[1] ?? null;
}

function hostUsers(): Set<string> {
  try {
    return new Set(accountRecords(readFileSync('/etc/passwd', 'utf8')).map((r) => r.fields[0] as string));
  } catch {
    return new Set();
  }
}

export const loginNotJailed: Check = {
  id: 'login-not-jailed',
  severity: 'critical',
  title: 'A login user of the jail whose sshd drop-in is gone or chroots elsewhere',
  why: 'The host account still exists: without its Match block, sshd lets it log in to the host itself.',
  help: 'jailsmith user remove NAME --jail DIR, then add it again; or restore the drop-in.',
  run(ctx) {
    const { users } = loginRecord(ctx);
    if (users.length === 0) return [];
    const host = hostUsers();
    return users.flatMap((u) => {
      if (!host.has(u.name)) return [];
      const chroot = chrootOf(u.dropIn, u.name);
      if (chroot === ctx.jailGiven || chroot === ctx.jail) return [];
      return [
        at(
          this,
          'critical',
          '/',
          chroot === null
            ? `${u.name}: no jailsmith drop-in at ${u.dropIn}; the host account logs in unjailed`
            : `${u.name}: ${u.dropIn} chroots to ${chroot}, not this jail`,
        ),
      ];
    });
  },
};

export const loginNoLogSocket: Check = {
  id: 'login-no-log-socket',
  severity: 'info',
  title: 'Login users but no /dev/log in the jail: their session logs are lost',
  why: "internal-sftp and programs run in the jail log to the jail's /dev/log; without a socket there (jailsmith makes no relay), file transfers leave no trace.",
  help: "Accept it (sshd still logs logins on the host), or have the host's syslog listen on JAIL/dev/log.",
  run(ctx) {
    const { users } = loginRecord(ctx);
    if (users.length === 0 || ctx.byPath.get('/dev/log')?.type === 'socket') return [];
    return [at(this, 'info', '/dev/log', `no syslog socket: sessions of ${names(users)} are not logged`)];
  },
};
