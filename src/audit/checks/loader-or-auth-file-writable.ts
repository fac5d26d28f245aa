import { octalMode } from '../../sys/index.js';
import type { Check, Finding } from '../types.js';
import { finding } from './util.js';

/** Files the loader, NSS, PAM and sudo trust (ld.so(8), nsswitch.conf(5), sudoers(5)). */
const TRUSTED =
  /^\/etc\/(?:ld\.so\.preload|ld\.so\.conf|ld\.so\.cache|passwd|shadow|group|gshadow|nsswitch\.conf|sudoers)$|^\/etc\/(?:ld\.so\.conf\.d|pam\.d|security|sudoers\.d)(?:\/|$)/;

export const loaderOrAuthFileWritable: Check = {
  id: 'loader-or-auth-file-writable',
  severity: 'critical',
  title: 'A loader or authentication file is writable, user-owned or a symlink',
  why: '/etc/ld.so.preload or passwd writable by the jail user turns any setuid or file-capability binary into root.',
  help: 'Make the file a regular root-owned file with mode 0644 (0640/0600 for shadow), not a link.',
  run(ctx) {
    const out: Finding[] = [];
    const sev = ctx.hasPrivilegedFiles ? 'critical' : 'high';
    const suffix = ctx.hasPrivilegedFiles ? ' (and the jail holds setuid or file-capability binaries)' : '';
    for (const e of ctx.entries) {
      // What could be wrong first: a root-owned, not group/other-writable non-link is fine anywhere.
      if (e.type !== 'symlink' && e.uid === 0 && (e.mode & 0o022) === 0) continue;
      if (!TRUSTED.test(e.path)) continue;
      const bad: string[] = [];
      if (e.type === 'symlink') bad.push(`is a symlink to ${e.target ?? '?'}`);
      if (e.uid !== 0) bad.push(`owned by uid ${e.uid}`);
      if (e.type !== 'symlink' && e.mode & 0o022)
        bad.push(`mode ${octalMode(e.mode)} is group/other-writable`);
      if (bad.length > 0) out.push(finding(this, sev, e, `${bad.join(', ')}${suffix}`));
    }
    return out;
  },
};
