import { lstatSync } from 'node:fs';
import type { Collector } from './collector.js';

export const collectTrees: Collector = {
  name: 'trees',
  collect(ctx, copier) {
    for (const t of ctx.spec.trees) {
      const real = ctx.root.realpath(t);
      if (!real) {
        throw ctx.specError(
          'SPEC_TREE_NOT_FOUND',
          `tree ${t} does not exist in source root ${ctx.root.dir}`,
          'trees',
          t,
        );
      }
      if (!lstatSync(ctx.root.host(real.path)).isDirectory()) {
        throw ctx.specError(
          'SPEC_NOT_A_DIR',
          `tree ${t} is not a directory`,
          'trees',
          t,
          'list single files under files',
        );
      }
      // The tree is copied under its real path; the links leading there enter the jail as links.
      copier.copy(t, { resolve: 'lenient', tree: true, origin: `trees: ${t}` });
    }
  },
};
