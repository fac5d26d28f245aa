import type { DistroInfo } from '../distro/index.js';
import { detectDistro, hostArch, qemuName } from '../distro/index.js';
import { profileConditions } from './collect-profiles.js';
import type { Collector } from './collector.js';
import { type PlanContext, Rank } from './context.js';

const detected = new WeakMap<PlanContext, DistroInfo>();

/** The distro of the plan's source root (detected once per plan). */
export function planDistro(ctx: PlanContext): DistroInfo {
  let d = detected.get(ctx);
  if (!d) {
    d = detectDistro(ctx.root);
    detected.set(ctx, d);
  }
  return d;
}

/**
 * `when: {distro: debian}` (or a list) in a profile need: the root's distro profile id, its
 * os-release ID or one of its ID_LIKE values. `when: {arch: aarch64}` likewise for the architecture.
 */
profileConditions.distro = (v, ctx) => {
  const d = planDistro(ctx);
  const want = Array.isArray(v) ? v.map(String) : [String(v)];
  const have = [d.profile.id, d.osRelease.id, ...d.osRelease.idLike].filter((x): x is string => !!x);
  return want.some((w) => have.includes(w));
};
profileConditions.arch = (v, ctx) => {
  const arch = planDistro(ctx).arch;
  return (Array.isArray(v) ? v.map(String) : [String(v)]).some((w) => w === arch);
};

/**
 * Runs first: refuses a source that is not a root filesystem (a typo in `source:` would otherwise
 * surface as a puzzling missing binary) and says which distro profile applies.
 */
export const collectDistro: Collector = {
  name: 'distro',
  collect(ctx) {
    const d = planDistro(ctx);
    if (!ctx.root.isHost) {
      const what = d.osRelease.prettyName ?? d.osRelease.id ?? 'no os-release';
      ctx.notes.add(
        `source root ${ctx.root.dir}: ${what}, ${d.arch ?? 'unknown architecture'} (distro profile ${d.profile.id})`,
      );
    }
    if (d.arch && d.arch !== hostArch()) {
      const q = `qemu-${qemuName(d.arch)}`;
      ctx.notes.add(
        `${d.arch} jail on a ${hostArch() ?? 'different'} host: run its programs with ${q} -L JAIL JAIL/PROGRAM (or set qemu_static: true to copy ${q}-static into the jail)`,
      );
    }
  },
};

/** Top-level directories a merged-/usr root makes links (/bin → usr/bin). */
const MERGED = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * Runs last: when the root links /bin to usr/bin (merged /usr) and the jail holds something under
 * /usr/bin, the jail gets the same link, so `/bin/bash` works whether the spec named bash or
 * /usr/bin/bash. Only populated targets are linked.
 */
export const collectMergedUsr: Collector = {
  name: 'merged-usr',
  collect(ctx) {
    for (const link of MERGED) {
      const target = ctx.root.readlink(link);
      if (typeof target !== 'string' || ctx.has(link)) continue;
      const real = ctx.root.realpath(link);
      const dest = real?.path ?? '';
      if (!dest.startsWith('/usr/')) continue;
      const prefix = `${dest}/`;
      const entries = ctx.entries();
      if (!entries.some((e) => e.path.startsWith(prefix))) continue;
      // something stated under /bin itself (files: {path: /bin/x}) keeps /bin a directory
      if (entries.some((e) => e.path.startsWith(`${link}/`))) continue;
      ctx.add(
        { type: 'symlink', path: link, target, mode: 0o777, uid: 0, gid: 0 },
        Rank.copied,
        'merged /usr layout of the source root',
      );
    }
  },
};
