import type { AuditContext, Check, Entry, Finding } from '../types.js';
import { finding } from './util.js';

/** Linux ignores setuid/setgid on `#!` scripts, so those are only hygiene. */
export function isScript(ctx: AuditContext, e: Entry): boolean {
  return ctx.readFile(e.path, 2)?.toString('latin1') === '#!';
}

export const setuidBinary: Check = {
  id: 'setuid-binary',
  severity: 'critical',
  title: 'A setuid file',
  why: 'A setuid-root binary is the classic way to the root that every chroot escape needs.',
  help: 'Remove the setuid bit (chmod u-s) or the file; jailsmith specs keep it only via keepSetuid.',
  run(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.files) {
      if ((f.mode & 0o4000) === 0) continue;
      let sev: Finding['severity'] = f.uid === 0 ? 'critical' : 'high';
      let note = `setuid, owner uid ${f.uid}`;
      if (f.nosuid) {
        sev = 'low';
        note += ' (on a nosuid mount: ignored by the kernel)';
      } else if (isScript(ctx, f)) {
        sev = 'info';
        note += ' (a #! script: the kernel ignores setuid on scripts)';
      }
      out.push(finding(this, sev, f, note));
    }
    return out;
  },
};
