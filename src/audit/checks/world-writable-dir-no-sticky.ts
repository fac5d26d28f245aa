import { octalMode } from '../../sys/index.js';
import type { Check, Finding } from '../types.js';
import { finding, isSystemDir } from './util.js';

export const worldWritableDirNoSticky: Check = {
  id: 'world-writable-dir-no-sticky',
  severity: 'critical',
  title: 'A world-writable directory without the sticky bit',
  why: 'Anyone can rename or replace entries in it, including ones the jailed root or a builder uses.',
  help: 'chmod o-w the directory, or chmod +t it if it is a shared scratch area like /tmp.',
  run(ctx) {
    const out: Finding[] = [];
    for (const d of ctx.dirs) {
      if ((d.mode & 0o002) === 0 || (d.mode & 0o1000) !== 0) continue;
      const sev = isSystemDir(d.path) ? 'critical' : 'high';
      out.push(finding(this, sev, d, `mode ${octalMode(d.mode)}: writable by others, no sticky bit`));
    }
    return out;
  },
};
