import type { Collector } from './collector.js';
import { Rank } from './context.js';
import { idOf } from './owners.js';

/** The spec's dirs, then each user's home (0700, owned by the user, kept across rebuilds). */
export const collectDirs: Collector = {
  name: 'dirs',
  collect(ctx) {
    const { spec } = ctx;
    for (const d of spec.dirs) {
      ctx.add(
        {
          type: 'dir',
          path: d.path,
          mode: d.mode,
          uid: idOf(spec, d.owner, 'user'),
          gid: idOf(spec, d.group, 'group'),
          ...(d.preserve ? { preserve: true } : {}),
        },
        Rank.stated,
        `dirs: ${d.path}`,
      );
    }
    for (const u of spec.users) {
      if (u.home === '/' || spec.dirs.some((d) => d.path === u.home)) continue;
      ctx.add(
        { type: 'dir', path: u.home, mode: 0o700, uid: u.uid, gid: u.gid, preserve: true },
        Rank.stated,
        `home of ${u.name}`,
      );
    }
  },
};
