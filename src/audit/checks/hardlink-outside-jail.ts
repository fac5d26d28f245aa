import { lstatSync } from 'node:fs';
import type { Check, Finding } from '../types.js';
import { finding } from './util.js';

/** Host files whose inode must never appear in a jail. */
const SENSITIVE = ['/etc/shadow', '/etc/gshadow', '/etc/passwd', '/etc/group', '/etc/sudoers'];

function sensitiveInodes(): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of SENSITIVE) {
    const st = lstatSync(p, { bigint: true, throwIfNoEntry: false });
    if (st) m.set(`${st.dev}:${st.ino}`, p);
  }
  return m;
}

export const hardlinkOutsideJail: Check = {
  id: 'hardlink-outside-jail',
  severity: 'critical',
  title: 'A file with hard links outside the jail',
  why: 'A hard link to a host setuid binary or secret file pins or exposes it inside the jail (CVE-2009-2904).',
  help: 'Replace the link by a copy (cp, not ln), or remove it.',
  run(ctx) {
    const out: Finding[] = [];
    let sensitive: Map<string, string> | undefined;
    for (const f of ctx.files) {
      if (f.nlink < 2n || f.inMount || f.mountPoint || f.dev !== ctx.root.dev) continue;
      const seen = ctx.linksSeen.get(f.ino) ?? 0;
      if (f.nlink <= BigInt(seen)) continue;
      sensitive ??= sensitiveInodes();
      const host = sensitive.get(`${f.dev}:${f.ino}`);
      const priv = (f.mode & 0o6000) !== 0 || ctx.fileCaps.has(f.path);
      const sev = host || priv ? 'critical' : 'medium';
      let note = `inode has ${f.nlink} links, ${seen} inside the jail`;
      if (host) note += `; it is the host's ${host}`;
      else if (priv) note += '; the inode is setuid/setgid or has file capabilities';
      out.push(finding(this, sev, f, note));
    }
    return out;
  },
};
