import { lstatSync } from 'node:fs';
import path from 'node:path';
import { octalMode } from '../../sys/index.js';
import type { Check, Finding } from '../types.js';
import { at } from './util.js';

/** Every directory from the jail up to '/', the jail first. */
export function ancestry(jail: string): string[] {
  const out = [jail];
  let p = jail;
  while (p !== '/') {
    p = path.dirname(p);
    out.push(p);
  }
  return out;
}

export const jailRootUnsafe: Check = {
  id: 'jail-root-unsafe',
  severity: 'critical',
  title: 'Jail root or an ancestor is not a root-owned, non-writable directory',
  why: 'Whoever can rename or replace a directory on the jail path can swap the jail under its users (OpenSSH ChrootDirectory rule).',
  help: 'chown root:root and chmod go-w the jail directory and every ancestor up to /.',
  run(ctx) {
    const out: Finding[] = [];
    ancestry(ctx.jail).forEach((dir, i) => {
      const st = lstatSync(dir);
      const bad: string[] = [];
      if (!st.isDirectory()) bad.push('not a directory');
      if (st.uid !== 0) bad.push(`owned by uid ${st.uid}`);
      if (st.mode & 0o022) bad.push(`mode ${octalMode(st.mode)} is group/other-writable`);
      if (bad.length === 0) return;
      const where = i === 0 ? 'the jail root' : `ancestor ${dir}`;
      // A root-owned sticky ancestor (/tmp) lets only an entry's owner rename it; the jail's own
      // entry is checked on its own, so this is hygiene (OpenSSH would still refuse it).
      const stickyOk = i > 0 && st.uid === 0 && (st.mode & 0o1000) !== 0 && st.isDirectory();
      const severity = i === 0 ? 'critical' : stickyOk ? 'low' : 'high';
      out.push(at(this, severity, '/', `${where}: ${bad.join(', ')}`));
    });
    return out;
  },
};
