import type { Collector } from './collector.js';
import { Rank } from './context.js';

export const collectSymlinks: Collector = {
  name: 'symlinks',
  collect(ctx) {
    for (const s of ctx.spec.symlinks) {
      ctx.add(
        { type: 'symlink', path: s.path, target: s.target, mode: 0o777, uid: 0, gid: 0 },
        Rank.stated,
        `symlinks: ${s.path}`,
      );
    }
  },
};
