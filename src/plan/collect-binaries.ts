import { findOnPath, isFileInRoot, ROOT_PATH } from '../sys/index.js';
import type { Collector } from './collector.js';
import type { PlanContext } from './context.js';

/** Things a binary needs at run time that no file can give: said in the plan's notes. */
const RUNTIME_NOTES: Record<string, string> = {
  'sftp-server':
    // Not a bind of the host's /dev/log: the audit flags binds into a jail as critical and a
    // rebuild's swap drops them. jailsmith has no relay socket (jk_socketd) yet: say what is lost.
    "sftp-server (and sshd's internal-sftp in a login jail) logs through syslog to the jail's /dev/log: jailsmith makes no relay socket there, so session log lines (file transfers) are lost; sshd's own log of the login is kept on the host",
  sshd: 'sshd needs /dev/log for logging and its host keys outside the jail',
};

/** Finds a program name on PATH inside the root; undefined when absent. */
export function lookupBinary(ctx: PlanContext, name: string): string | undefined {
  return findOnPath(ctx.root, name) ?? undefined;
}

export const collectBinaries: Collector = {
  name: 'binaries',
  collect(ctx, copier) {
    for (const b of ctx.spec.binaries) {
      const found = b.startsWith('/') ? (isFileInRoot(ctx.root, b) ? b : undefined) : lookupBinary(ctx, b);
      if (!found) {
        const where = b.startsWith('/') ? `at ${b}` : `on PATH (${ROOT_PATH})`;
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
