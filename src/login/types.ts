/**
 * Login jails: host accounts whose SSH or SFTP sessions sshd chroots into a jailsmith jail.
 * One LoginUser is what `user add` set up, recorded beside the jail (record.ts) so a rebuild keeps
 * the jail side of it, and in the sshd drop-in's header so `user list/remove` find it.
 */
export type LoginMode = 'sftp' | 'shell';

export interface LoginUser {
  name: string;
  uid: number;
  gid: number;
  /** Primary group name (the user's own for accounts `user add` made). */
  group: string;
  /** Home inside the jail, and the host account's home field (sshd chdirs there after chroot). */
  home: string;
  /** Login shell, a path inside the jail (sftp: /usr/sbin/nologin, never run). */
  shell: string;
  mode: LoginMode;
  /** Absolute in-jail paths of the commands a shell user may run (empty: a full shell). */
  allow: string[];
  /** true when `user add` made the host account (and `user remove` deletes it). */
  created: boolean;
  /** Absolute jail directory (the ChrootDirectory). */
  jail: string;
  /** The sshd drop-in file. */
  dropIn: string;
  /** The managed authorized_keys file sshd reads (root-owned, outside the jail). */
  keysFile: string;
}

/** Where the allow-list checker and the lists live inside the jail (root-owned). */
export const LSH_PATH = '/usr/lib/jailsmith/lsh';
export const ALLOW_DIR = '/etc/jailsmith/allow';

export function allowListPath(name: string): string {
  return `${ALLOW_DIR}/${name}`;
}
