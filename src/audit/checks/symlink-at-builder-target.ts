import { type RealPath, SourceRoot } from '../../resolve/index.js';
import type { Check, Finding } from '../types.js';
import { isStdFdLink, leavesJail } from './symlinks-util.js';
import { finding } from './util.js';

/** Paths host tools (builders, useradd, resolvconf, sshd) write or read in a jail. */
const TARGETS =
  /^\/etc\/(?:passwd|group|shadow|gshadow|hosts|hostname|resolv\.conf|nsswitch\.conf|localtime|sudoers|ld\.so\.[^/]+)$|^\/dev\/[^/]+$|^\/home\/[^/]+$|^\/home\/[^/]+\/\.ssh(?:\/authorized_keys)?$|^\/root\/\.ssh$|^\/(?:tmp|var\/tmp)$/;

export const symlinkAtBuilderTarget: Check = {
  id: 'symlink-at-builder-target',
  severity: 'high',
  title: 'A symlink where host tools write or read',
  why: 'A host tool that follows it writes into or reads from the real system (jailkit 2.9, CVE-2018-15664, CVE-2025-31133).',
  help: 'Replace the link by a regular file or directory; builders must never follow links in a jail.',
  // Severity: high when a host tool following the link (host semantics) leaves the jail, since
  // these are paths tools write; low when every link on the way stays inside.
  run(ctx) {
    const out: Finding[] = [];
    const root = new SourceRoot(ctx.jail);
    for (const e of ctx.symlinks) {
      if (!TARGETS.test(e.path) || isStdFdLink(e)) continue;
      let real: RealPath | null = null;
      let loop = false;
      try {
        real = root.realpath(e.path);
      } catch {
        loop = true;
      }
      // Every link met on the way counts: a host tool follows them all with host semantics.
      const chain = real ? real.links : [e.path];
      const escapes = chain.some((p) => {
        const l = ctx.byPath.get(p);
        return l ? leavesJail(ctx.jail, l) : true;
      });
      let sev: Finding['severity'];
      let note: string;
      if (loop) {
        sev = 'high';
        note = 'the link loops';
      } else if (!escapes) {
        sev = 'low';
        note = 'stays inside the jail, but builders must not follow it';
      } else if (e.path === '/etc/localtime' && real && ctx.byPath.has(real.path)) {
        // Tools read localtime rather than write it: following it out reads a host file.
        sev = 'medium';
        note = `resolves to ${real.path} inside the jail, but a host tool following it lands outside`;
      } else {
        sev = 'high';
        note = 'a host tool following it lands outside the jail';
      }
      out.push(finding(this, sev, e, `symlink to ${e.target}: ${note}`));
    }
    return out;
  },
};
