import { lstatSync } from 'node:fs';
import type { Check, Finding } from '../types.js';
import { ancestry } from './jail-root-unsafe.js';
import { at } from './util.js';

export const jailPathSymlink: Check = {
  id: 'jail-path-symlink',
  severity: 'high',
  title: 'A component of the jail path is a symlink',
  why: 'A builder and the runtime may resolve the link differently, and whoever controls it can swap the jail.',
  help: 'Refer to the jail by its real path (realpath) and remove the link from the path.',
  run(ctx) {
    const out: Finding[] = [];
    for (const dir of ancestry(ctx.jailGiven)) {
      const st = lstatSync(dir, { throwIfNoEntry: false });
      if (st?.isSymbolicLink()) out.push(at(this, 'high', '/', `${dir} on the jail path is a symlink`));
    }
    return out;
  },
};
