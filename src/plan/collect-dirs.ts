import { JailError } from '../errors.js';
import type { JailSpec } from '../spec/types.js';
import type { Collector } from './collector.js';
import { Rank } from './context.js';

/** Numeric id of a dir owner or group named in the spec (the loader checked the names exist). */
function idOf(spec: JailSpec, v: number | string, kind: 'user' | 'group'): number {
  if (typeof v === 'number') return v;
  if (v === 'root') return 0;
  const id =
    kind === 'user' ? spec.users.find((u) => u.name === v)?.uid : spec.groups.find((g) => g.name === v)?.gid;
  if (id === undefined) throw new JailError('SPEC_UNKNOWN_USER', `${kind} "${v}" is not defined in the spec`);
  return id;
}

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
