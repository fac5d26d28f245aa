import { readFileSync } from 'node:fs';
import { parseGroup } from '../../sys/index.js';
import type { AuditContext, Check, Finding } from '../types.js';
import { isScript } from './setuid-binary.js';
import { finding } from './util.js';

const PRIVILEGED_GROUPS = new Set([
  'root',
  'shadow',
  'disk',
  'kmem',
  'docker',
  'sudo',
  'wheel',
  'adm',
  'lxd',
  'libvirt',
]);

/** gid → name from a group file's text; parsed as data, never through NSS. */
function groupNames(text: string | undefined): Map<number, string> {
  return new Map(parseGroup(text).map((g) => [g.gid, g.name]));
}

function hostGroups(): string | undefined {
  try {
    return readFileSync('/etc/group', 'utf8');
  } catch {
    return undefined;
  }
}

export function groupsOf(ctx: AuditContext): { jail: Map<number, string>; host: Map<number, string> } {
  return { jail: groupNames(ctx.readFile('/etc/group')?.toString('utf8')), host: groupNames(hostGroups()) };
}

export const setgidBinary: Check = {
  id: 'setgid-binary',
  severity: 'high',
  title: 'A setgid executable',
  why: 'Group privileges such as shadow, disk or kmem read secrets or raw disks.',
  help: 'Remove the setgid bit (chmod g-s) unless the jail needs it.',
  run(ctx) {
    const out: Finding[] = [];
    let groups: ReturnType<typeof groupsOf> | undefined;
    for (const f of ctx.files) {
      // 02000 without g+x is mandatory locking, not privilege.
      if ((f.mode & 0o2000) === 0 || (f.mode & 0o010) === 0) continue;
      groups ??= groupsOf(ctx);
      const names = [groups.jail.get(f.gid), groups.host.get(f.gid)].filter((n): n is string => !!n);
      const privileged = f.gid === 0 || names.some((n) => PRIVILEGED_GROUPS.has(n));
      let sev: Finding['severity'] = privileged ? 'high' : 'medium';
      let note = `setgid gid ${f.gid}${names.length ? ` (${[...new Set(names)].join('/')})` : ''}`;
      if (f.nosuid) {
        sev = 'low';
        note += ' (on a nosuid mount: ignored by the kernel)';
      } else if (isScript(ctx, f)) {
        sev = 'info';
        note += ' (a #! script: the kernel ignores setgid on scripts)';
      }
      out.push(finding(this, sev, f, note));
    }
    return out;
  },
};
