import { createHash } from 'node:crypto';
import { LoginError } from '../errors.js';
import type { GeneratedEntry, JailPlan, PlanEntry } from '../plan/index.js';
import { groupText, passwdText, shadowText, sortEntries } from '../plan/index.js';
import { type AccountDb, mergeAll } from './accounts-text.js';
import { allowListText, lshScript } from './jail-side.js';
import type { LoginRecord } from './record.js';
import { allowListPath, LSH_PATH } from './types.js';

function generated(p: string, content: string, mode: number): GeneratedEntry {
  return {
    type: 'generated',
    path: p,
    content,
    mode,
    uid: 0,
    gid: 0,
    sha256: createHash('sha256').update(content).digest('hex'),
    size: Buffer.byteLength(content),
  };
}

/**
 * The plan with the jail's login users put back: their lines in passwd, group and shadow, their
 * homes (kept across the rebuild like any preserved directory), and for allow-lists the checker and
 * the lists. The same texts `user add` wrote in place, so a rebuild right after it changes nothing.
 */
export function withLogins(plan: JailPlan, record: LoginRecord): JailPlan {
  const { users, kept } = record;
  if (users.length === 0 && kept.length === 0) return plan;
  const byPath = new Map(plan.entries.map((e) => [e.path, e]));
  const start: Record<AccountDb, string> = {
    passwd: passwdText([]),
    group: groupText([]),
    shadow: shadowText([]),
  };
  for (const db of ['passwd', 'group', 'shadow'] as const) {
    const e = byPath.get(`/etc/${db}`);
    if (e && e.type !== 'generated')
      throw new LoginError(
        'LOGIN_REBUILD_CONFLICT',
        `the plan copies /etc/${db}; login users need it generated`,
        {
          path: `/etc/${db}`,
        },
      );
    if (e) start[db] = e.content;
  }
  const merged = mergeAll(start, users);
  const add: PlanEntry[] = [
    generated('/etc/passwd', merged.passwd, 0o644),
    generated('/etc/group', merged.group, 0o644),
    generated('/etc/shadow', merged.shadow, 0o600),
  ];
  for (const u of users) {
    const have = byPath.get(u.home);
    if (have && (have.type !== 'dir' || have.uid !== u.uid))
      throw new LoginError(
        'LOGIN_REBUILD_CONFLICT',
        `the spec plans ${u.home}, the home of login user ${u.name}, as something else`,
        { path: u.home, hint: `jailsmith user remove ${u.name}, or change the spec` },
      );
    add.push({
      type: 'dir',
      path: u.home,
      mode: have?.mode ?? 0o700,
      uid: u.uid,
      gid: u.gid,
      preserve: true,
    });
    if (u.allow.length > 0) add.push(generated(allowListPath(u.name), allowListText(u), 0o644));
  }
  // Homes `user remove` kept: user data, so a rebuild keeps them too (owned by the old ids).
  for (const k of kept) {
    const have = byPath.get(k.home);
    if (!have || (have.type === 'dir' && have.uid === k.uid))
      add.push({ type: 'dir', path: k.home, mode: 0o700, uid: k.uid, gid: k.gid, preserve: true });
  }
  if (users.some((u) => u.allow.length > 0)) add.push(generated(LSH_PATH, lshScript(), 0o755));
  for (const e of add) {
    const have = byPath.get(e.path);
    if (have && e.type === 'generated' && !e.path.startsWith('/etc/') && have.type !== 'generated')
      throw new LoginError('LOGIN_REBUILD_CONFLICT', `the spec plans ${e.path}, which login users need`, {
        path: e.path,
      });
    byPath.set(e.path, e);
  }
  const names = [...users.map((u) => u.name), ...kept.map((k) => `${k.home} (kept home)`)].join(', ');
  return {
    ...plan,
    entries: sortEntries([...byPath.values()]),
    notes: [...plan.notes, `login users kept from the jail's login record: ${names}`].sort(),
  };
}
