import { lstatSync } from 'node:fs';
import type { Collector } from './collector.js';
import type { PlanContext } from './context.js';

/** PATH inside the source root, as a login shell of a Debian or Fedora root would have it. */
export const ROOT_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Things a binary needs at run time that no file can give: said in the plan's notes. */
const RUNTIME_NOTES: Record<string, string> = {
  'sftp-server':
    // Not a bind of the host's /dev/log: the audit flags binds into a jail as critical and a
    // rebuild's swap drops them. jailsmith has no relay socket (jk_socketd) yet: say what is lost.
    "sftp-server (and sshd's internal-sftp in a login jail) logs through syslog to the jail's /dev/log: jailsmith makes no relay socket there, so session log lines (file transfers) are lost; sshd's own log of the login is kept on the host",
  sshd: 'sshd needs /dev/log for logging and its host keys outside the jail',
};

function isExecutableFile(ctx: PlanContext, inRoot: string): boolean {
  const real = ctx.root.realpath(inRoot);
  if (!real) return false;
  const st = lstatSync(ctx.root.host(real.path));
  return st.isFile() && (st.mode & 0o111) !== 0;
}

/** Finds a program name on PATH inside the root; undefined when absent. */
export function lookupBinary(ctx: PlanContext, name: string): string | undefined {
  return ROOT_PATH.map((d) => `${d}/${name}`).find((p) => isExecutableFile(ctx, p));
}

export const collectBinaries: Collector = {
  name: 'binaries',
  collect(ctx, copier) {
    for (const b of ctx.spec.binaries) {
      const found = b.startsWith('/') ? (isExecutableFile(ctx, b) ? b : undefined) : lookupBinary(ctx, b);
      if (!found) {
        const where = b.startsWith('/') ? `at ${b}` : `on PATH (${ROOT_PATH.join(':')})`;
        throw ctx.specError(
          'SPEC_BINARY_NOT_FOUND',
          `binary "${b}" not found ${where} in source root ${ctx.root.dir}`,
          'binaries',
          b,
          'install it in the source root, or correct the name',
        );
      }
      copier.copy(found, { resolve: 'strict', force: true, origin: `binaries: ${b}` });
      const base = found.slice(found.lastIndexOf('/') + 1);
      const note = RUNTIME_NOTES[base];
      if (note) ctx.notes.add(note);
    }
  },
};
