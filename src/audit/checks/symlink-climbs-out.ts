import type { Check } from '../types.js';
import { hostResolution, leavesJail } from './symlinks-util.js';
import { finding } from './util.js';

export const symlinkClimbsOut: Check = {
  id: 'symlink-climbs-out',
  severity: 'medium',
  title: 'A relative symlink that climbs out of the jail',
  why: 'Harmless inside the chroot, but host tools without rooted resolution (backup, tar, rsync, builders) follow it out.',
  help: 'Make the target stay inside the jail (fewer ../) or remove the link.',
  run(ctx) {
    return ctx.symlinks
      .filter((e) => e.target !== undefined && !e.target.startsWith('/') && leavesJail(ctx.jail, e))
      .map((e) =>
        finding(this, 'medium', e, `${e.target} resolves on the host to ${hostResolution(ctx.jail, e)}`),
      );
  },
};
