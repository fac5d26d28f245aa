/**
 * passwd, group and shadow as text: the one reader and writer of the account databases. Always
 * parsed as data, never through NSS: the files may belong to a jail or a foreign root, and NSS
 * would load that root's modules (code) into this process.
 */

/** One line of an account file, split on ':' (1-based `line` for messages). */
export interface AccountRecord {
  fields: string[];
  line: number;
  text: string;
}

/**
 * Every non-empty line, split on ':'. `#` lines are skipped unless `keepComments` (an editor that
 * rewrites the file keeps them byte for byte). No field checks: a security check must also see the
 * malformed lines a typed parser would drop.
 */
export function accountRecords(
  text: string | null | undefined,
  opts: { keepComments?: boolean } = {},
): AccountRecord[] {
  const out: AccountRecord[] = [];
  (text ?? '').split('\n').forEach((l, i) => {
    if (l.trim() === '' || (!opts.keepComments && l.startsWith('#'))) return;
    out.push({ fields: l.split(':'), line: i + 1, text: l });
  });
  return out;
}

export interface PasswdEntry {
  name: string;
  password: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
  line: number;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
  line: number;
}

export interface ShadowEntry {
  name: string;
  hash: string;
  line: number;
}

const ID = /^\d+$/;

/** A numeric id field, or undefined. */
export function idField(f: string | undefined): number | undefined {
  return f !== undefined && ID.test(f) ? Number(f) : undefined;
}

/** passwd(5) lines with seven fields and numeric uid and gid; others are dropped. */
export function parsePasswd(text: string | null | undefined): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const { fields: f, line } of accountRecords(text)) {
    const uid = idField(f[2]);
    const gid = idField(f[3]);
    if (f.length < 7 || uid === undefined || gid === undefined) continue;
    out.push({
      name: f[0] as string,
      password: f[1] as string,
      uid,
      gid,
      gecos: f[4] as string,
      home: f[5] as string,
      shell: f[6] as string,
      line,
    });
  }
  return out;
}

/** group(5) lines with a numeric gid; members split on ','. */
export function parseGroup(text: string | null | undefined): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const { fields: f, line } of accountRecords(text)) {
    const gid = idField(f[2]);
    if (f.length < 3 || gid === undefined) continue;
    out.push({ name: f[0] as string, gid, members: (f[3] ?? '').split(',').filter((m) => m !== ''), line });
  }
  return out;
}

/** shadow(5) name and password field of every line. */
export function parseShadow(text: string | null | undefined): ShadowEntry[] {
  return accountRecords(text).map((r) => ({
    name: r.fields[0] as string,
    hash: r.fields[1] ?? '',
    line: r.line,
  }));
}

/** A password field that can log someone in: not empty, not locked (! or *), not a placeholder. */
export function isUsableHash(h: string): boolean {
  return !['', 'x', '*', '!', '!!'].includes(h) && !h.startsWith('!') && !h.startsWith('*');
}

export function passwdLine(u: {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}): string {
  return `${u.name}:x:${u.uid}:${u.gid}:${u.gecos}:${u.home}:${u.shell}`;
}

export function groupLine(g: { name: string; gid: number; members?: readonly string[] }): string {
  return `${g.name}:x:${g.gid}:${(g.members ?? []).join(',')}`;
}

/** A locked entry: `*` (no password can match), no ageing that could expire the account. */
export function shadowLine(name: string): string {
  return `${name}:*::0:99999:7:::`;
}
