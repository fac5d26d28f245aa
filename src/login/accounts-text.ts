import { LoginError } from '../errors.js';
import { accountRecords, groupLine, passwdLine, shadowLine } from '../sys/index.js';
import type { LoginUser } from './types.js';

/**
 * The jail's passwd, group and shadow with login users added or taken out. Lines already there stay
 * byte for byte; the result is sorted by id then name, the order src/plan/accounts.ts writes, so
 * adding a user in place and rebuilding with the record give the same files. A login user whose
 * name or id the jail already gives to someone else is refused: two accounts would share files.
 */
export type AccountDb = 'passwd' | 'group' | 'shadow';

interface Line {
  name: string;
  id: number;
  text: string;
}

function parse(text: string, db: AccountDb): Line[] {
  // Comment lines are kept byte for byte like every other line.
  return accountRecords(text, { keepComments: true }).map(({ fields: f, text: l }) => {
    // shadow has no id: sort those lines by name only, as shadowText's uid order cannot be known
    // here; passwd order is what tools read, shadow is looked up by name.
    return { name: f[0] ?? '', id: db === 'shadow' ? 0 : Number(f[2]), text: l };
  });
}

function render(lines: Line[], db: AccountDb, order?: Map<string, number>): string {
  const key = (l: Line): number => (db === 'shadow' ? (order?.get(l.name) ?? 0) : l.id);
  return [...lines]
    .sort((a, b) => key(a) - key(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((l) => `${l.text}\n`)
    .join('');
}

export function loginLine(u: LoginUser, db: AccountDb): string {
  if (db === 'passwd') return passwdLine({ ...u, gecos: u.name });
  if (db === 'group') return groupLine({ name: u.group, gid: u.gid });
  // Locked like every jail entry: keys are checked by sshd against the host account, not here.
  return shadowLine(u.name);
}

/**
 * `text` with `users` present and `drop` (names) absent. Throws LOGIN_JAIL_ACCOUNT_CONFLICT when a
 * line for a different account holds a login user's name or id.
 */
export function mergeAccounts(
  text: string,
  db: AccountDb,
  users: LoginUser[],
  drop: string[] = [],
  passwdOrder?: string,
): string {
  const lines = parse(text, db).filter((l) => !drop.includes(l.name));
  for (const u of users) {
    const want = loginLine(u, db);
    const name = db === 'group' ? u.group : u.name;
    const id = db === 'group' ? u.gid : u.uid;
    const same = lines.find((l) => l.name === name);
    if (same) {
      // A shared primary group (e.g. users) of an existing account is fine as the jail has it.
      if (same.text === want || (db === 'group' && same.id === id)) continue;
      throw conflict(db, name, `the jail's /etc/${db} already has ${name} as "${same.text}"`);
    }
    if (db !== 'shadow') {
      const other = lines.find((l) => l.id === id);
      if (other) throw conflict(db, name, `id ${id} of ${name} is ${other.name}'s in the jail's /etc/${db}`);
    }
    lines.push({ name, id: db === 'shadow' ? 0 : id, text: want });
  }
  const order =
    db === 'shadow' && passwdOrder !== undefined
      ? new Map(parse(passwdOrder, 'passwd').map((l) => [l.name, l.id]))
      : undefined;
  return render(lines, db, order);
}

function conflict(db: AccountDb, name: string, why: string): LoginError {
  return new LoginError('LOGIN_JAIL_ACCOUNT_CONFLICT', `login user ${name}: ${why}`, {
    path: `/etc/${db}`,
  });
}

/** The jail's three account files with `users` added and `drop` removed, consistently. */
export function mergeAll(
  files: Record<AccountDb, string>,
  users: LoginUser[],
  drop: { users: string[]; groups: string[] } = { users: [], groups: [] },
): Record<AccountDb, string> {
  const passwd = mergeAccounts(files.passwd, 'passwd', users, drop.users);
  return {
    passwd,
    group: mergeAccounts(files.group, 'group', users, drop.groups),
    shadow: mergeAccounts(files.shadow, 'shadow', users, drop.users, passwd),
  };
}
