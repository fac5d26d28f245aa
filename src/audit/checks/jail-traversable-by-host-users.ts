import { lstatSync } from 'node:fs';
import path from 'node:path';
import type { Check } from '../types.js';
import { ancestry } from './jail-root-unsafe.js';
import { at } from './util.js';

export const jailTraversableByHostUsers: Check = {
  id: 'jail-traversable-by-host-users',
  severity: 'medium',
  title: 'Host users can reach the jail (every ancestor is searchable by others)',
  why: 'Unprivileged host users can run setuid programs found in the jail (CVE-2021-41091, CVE-2021-41103).',
  help: 'Make a parent directory 0700 or 0711 owned by root.',
  run(ctx) {
    const ancestors = ancestry(path.dirname(ctx.jail));
    if (ctx.jail === '/') return [];
    const open = ancestors.every((d) => (lstatSync(d).mode & 0o001) !== 0);
    if (!open) return [];
    const sev = ctx.hasPrivilegedFiles ? 'medium' : 'info';
    const note = ctx.hasPrivilegedFiles ? ' and the jail holds setuid or file-capability files' : '';
    return [at(this, sev, '/', `every ancestor of ${ctx.jail} is searchable by others${note}`)];
  },
};
