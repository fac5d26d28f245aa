import type { SourceRoot } from '../resolve/source-root.js';

export interface PasswdLine {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface GroupLine {
  name: string;
  gid: number;
  members: string[];
}

function readLines(root: SourceRoot, file: string): string[][] {
  return (root.readText(file) ?? '')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

/** The root's /etc/passwd, read as data (never through NSS: the root may not be the host). */
export function readPasswd(root: SourceRoot): PasswdLine[] {
  return readLines(root, '/etc/passwd')
    .filter((f) => f.length >= 7 && /^\d+$/.test(f[2] ?? '') && /^\d+$/.test(f[3] ?? ''))
    .map((f) => ({
      name: f[0] as string,
      uid: Number(f[2]),
      gid: Number(f[3]),
      gecos: f[4] as string,
      home: f[5] as string,
      shell: f[6] as string,
    }));
}

export function readGroup(root: SourceRoot): GroupLine[] {
  return readLines(root, '/etc/group')
    .filter((f) => f.length >= 3 && /^\d+$/.test(f[2] ?? ''))
    .map((f) => ({
      name: f[0] as string,
      gid: Number(f[2]),
      members: (f[3] ?? '').split(',').filter((m) => m !== ''),
    }));
}

/** A name or a numeric id, as jailkit accepts both. */
export function findByNameOrId<T extends { name: string }>(
  list: T[],
  want: string,
  id: (t: T) => number,
): T | undefined {
  return /^\d+$/.test(want) ? list.find((t) => id(t) === Number(want)) : list.find((t) => t.name === want);
}
