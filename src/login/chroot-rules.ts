import { lstatSync, type Stats } from 'node:fs';
import { errnoCode, LoginError } from '../errors.js';
import { octalMode } from '../sys/index.js';

export interface ChrootProblem {
  /** The component of the jail path sshd (or we) would refuse. */
  path: string;
  why: string;
}

/**
 * OpenSSH's ChrootDirectory rule (session.c safely_chroot): the directory and every component up
 * to / must be root-owned and not writable by group or others, with no exception for sticky
 * directories such as /tmp. We also refuse a symlink on the way: sshd would follow it, but
 * whoever can change the link's target decides where users land. Each problem names its component.
 */
export function chrootProblems(dir: string): ChrootProblem[] {
  const out: ChrootProblem[] = [];
  const parts = dir.split('/').filter(Boolean);
  let cur = '';
  for (let i = -1; i < parts.length; i++) {
    cur = i < 0 ? '/' : `${cur === '/' ? '' : cur}/${parts[i]}`;
    let st: Stats;
    try {
      st = lstatSync(cur);
    } catch (e) {
      out.push({ path: cur, why: `cannot be read (${errnoCode(e)})` });
      break;
    }
    const why = componentProblem(st);
    if (why !== null) out.push({ path: cur, why });
    if (!st.isDirectory()) break;
  }
  return out;
}

function componentProblem(st: Stats): string | null {
  if (st.isSymbolicLink()) return 'is a symlink (give the real path)';
  if (!st.isDirectory()) return 'is not a directory';
  const bad: string[] = [];
  if (st.uid !== 0) bad.push(`owned by uid ${st.uid}, not root`);
  if ((st.mode & 0o022) !== 0) bad.push(`mode ${octalMode(st.mode)} is group/other-writable`);
  return bad.length > 0 ? bad.join(', ') : null;
}

/** Throws LOGIN_CHROOT_UNSAFE naming the first component sshd would refuse. */
export function checkChroot(dir: string): void {
  const [p] = chrootProblems(dir);
  if (p?.why.startsWith('cannot be read'))
    throw new LoginError('LOGIN_JAIL_MISSING', `the jail ${dir} ${p.why}: build it first`, { path: p.path });
  if (p) {
    throw new LoginError(
      'LOGIN_CHROOT_UNSAFE',
      `sshd refuses ChrootDirectory ${dir}: component ${p.path} ${p.why}; every component must be a root-owned directory not writable by group or others`,
      { path: p.path, details: { jail: dir } },
    );
  }
}
