import type { Check, Finding } from '../types.js';
import { finding } from './util.js';

export const symlinkAbsolute: Check = {
  id: 'symlink-absolute',
  severity: 'info',
  title: 'Symlinks with absolute targets (aggregated)',
  why: 'Harmless inside the chroot, a hazard for host tools that follow them to the host.',
  help: 'Prefer relative targets in jails; host tools must resolve links inside the root.',
  run(ctx) {
    const abs = ctx.symlinks.filter((e) => e.target?.startsWith('/'));
    const first = abs[0];
    if (!first) return [];
    // Distro alternatives make these common: one finding with a count and an example.
    const f: Finding = finding(
      this,
      'info',
      first,
      `${abs.length} symlink${abs.length === 1 ? ' has an absolute target' : 's have absolute targets'}, e.g. ${first.path} -> ${first.target}`,
    );
    return [f];
  },
};
