import { capNames, escapeCaps } from '../capabilities.js';
import type { Check, Finding } from '../types.js';
import { finding } from './util.js';

export const fileCapabilities: Check = {
  id: 'file-capabilities',
  severity: 'critical',
  title: 'A file with capabilities (security.capability)',
  why: 'File capabilities are granted on execve like setuid: cap_sys_chroot, cap_sys_admin or cap_dac_read_search lead straight out.',
  help: 'Remove them with setcap -r FILE unless the jail needs them; never keep escape-grade caps.',
  run(ctx) {
    const out: Finding[] = [];
    for (const [p, cap] of ctx.fileCaps) {
      const e = ctx.byPath.get(p);
      if (!e) continue;
      const all = capNames(cap.permitted | cap.inheritable);
      const permitted = capNames(cap.permitted);
      const escaping = escapeCaps(cap.permitted);
      const set = `${permitted.join(',') || '(none)'}${cap.effective ? '+ep' : '+p'}`;
      const inh = cap.inheritable ? ` inheritable ${capNames(cap.inheritable).join(',')}` : '';
      let sev: Finding['severity'] = escaping.length > 0 ? 'critical' : 'low';
      let note = `v${cap.version} permitted ${set}${inh}`;
      if (escaping.length > 0) note += `; escape-grade: ${escaping.join(', ')}`;
      if (cap.rootid !== undefined && cap.rootid !== 0) {
        // A v3 xattr only applies in the user namespace whose root maps to rootid.
        sev = escaping.length > 0 ? 'medium' : 'low';
        note += `; applies only in a user namespace with root uid ${cap.rootid}`;
      }
      if (e.nosuid) {
        sev = 'low';
        note += '; on a nosuid mount (caps ignored)';
      }
      if (all.length === 0) note += ' (empty sets)';
      out.push(finding(this, sev, e, note));
    }
    return out;
  },
};
