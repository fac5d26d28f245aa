import { octalMode } from '../../sys/index.js';
import type { Check, Finding } from '../types.js';
import { finding, isSystemDir } from './util.js';

export const systemDirNotRootOnly: Check = {
  id: 'system-dir-not-root-only',
  severity: 'critical',
  title: 'A system directory is not root-owned or is group/other-writable',
  why: 'Whoever can write to /bin, /lib or /etc of the jail can plant binaries, libraries or config that root-run processes trust.',
  help: 'chown root:root and chmod go-w the directory; user data belongs under /home or /tmp.',
  run(ctx) {
    const out: Finding[] = [];
    // A POSIX ACL granting write to a named user or group needs a mask with w, and the mask is
    // what st_mode's group bits show: the g+w test covers ACLs without reading the xattr.
    for (const d of ctx.dirs) {
      if (!isSystemDir(d.path)) continue;
      const bad: string[] = [];
      if (d.uid !== 0) bad.push(`owned by uid ${d.uid}`);
      if (d.mode & 0o022) bad.push(`mode ${octalMode(d.mode)} is group/other-writable`);
      if (bad.length > 0) out.push(finding(this, 'critical', d, `system directory ${bad.join(', ')}`));
    }
    return out;
  },
};
