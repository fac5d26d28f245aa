/**
 * Which cgroup version to use and where the job cgroups go, from /proc/self/mountinfo and
 * /proc/self/cgroup: beneath the caller's own cgroup in each hierarchy (or a configured parent).
 */
import path from 'node:path';
import { parseMountinfo } from '../../sys/index.js';
import type { Hierarchy } from './types.js';

/** v1 controllers a job cgroup joins: limits (memory, pids, cpu) and CPU accounting (cpuacct). */
export const V1_JOINED = ['memory', 'pids', 'cpu', 'cpuacct'];

interface CgroupMount {
  version: 1 | 2;
  mountPoint: string;
  /** The cgroup of the hierarchy shown at the mount point (mountinfo field 4). */
  root: string;
  /** v1 super options (controller names among them); empty for v2. */
  options: string[];
}

export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  return parseMountinfo(Buffer.from(mountinfo))
    .filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2')
    .map((m) => ({
      version: m.fstype === 'cgroup2' ? 2 : 1,
      mountPoint: m.mountPoint,
      root: m.root,
      options: m.superOptions,
    }));
}

interface CallerCgroups {
  /** The unified hierarchy's path ("0::/path"), or null. */
  v2: string | null;
  /** v1 hierarchies: their controllers and the caller's path in each. */
  v1: { controllers: string[]; path: string }[];
}

export function parseProcCgroup(text: string): CallerCgroups {
  const out: CallerCgroups = { v2: null, v1: [] };
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, id, list, p] = m as unknown as [string, string, string, string];
    if (id === '0' && list === '') out.v2 = p;
    else {
      const controllers = list.split(',').filter((c) => c !== '' && !c.startsWith('name='));
      if (controllers.length > 0) out.v1.push({ controllers, path: p });
    }
  }
  return out;
}

/** The directory of cgroup `cg` through a mount, or null when that mount does not show it. */
function dirOf(mount: CgroupMount, cg: string): string | null {
  const root = mount.root === '/' ? '' : mount.root;
  if (root !== '' && cg !== root && !cg.startsWith(`${root}/`)) return null;
  // No trailing slash: the caller at the hierarchy root is the mount point itself.
  return path.join(mount.mountPoint, cg.slice(root.length)).replace(/(.)\/+$/, '$1');
}

const under = (p: string, dir: string): boolean => p === dir || p.startsWith(`${dir.replace(/\/$/, '')}/`);

export type Discovery =
  | { ok: true; version: 1 | 2; hierarchies: Hierarchy[] }
  | { ok: false; reason: string };

/**
 * The hierarchies the job joins. v2 when `mountRoot` itself is cgroup2; v1 when v1 hierarchies of
 * memory/pids/cpu/cpuacct are mounted under it (hybrid systems included: their cgroup2 at
 * `unified` has no controllers); else a cgroup2 mounted under it.
 */
export function discover(
  mountRoot: string,
  mountinfo: string,
  procSelfCgroup: string,
  parent: string | undefined,
): Discovery {
  if (parent !== undefined && (!parent.startsWith('/') || parent.split('/').includes('..'))) {
    return { ok: false, reason: `configured cgroup parent ${parent} must be an absolute path without ..` };
  }
  const mounts = parseCgroupMounts(mountinfo).filter((m) => under(m.mountPoint, mountRoot));
  const caller = parseProcCgroup(procSelfCgroup);
  const v2Mounts = mounts.filter((m) => m.version === 2);
  const v2Root = v2Mounts.find((m) => m.mountPoint === mountRoot);
  const v1 = caller.v1.filter((h) => h.controllers.some((c) => V1_JOINED.includes(c)));
  const v1Mounted = v1.filter((h) =>
    mounts.some((m) => m.version === 1 && m.options.includes(h.controllers[0]!)),
  );
  if (!v2Root && v1Mounted.length > 0) return discoverV1(mounts, v1Mounted, parent);
  const v2 = v2Root ?? v2Mounts[0];
  if (!v2)
    return {
      ok: false,
      reason: `no cgroup hierarchy with memory, pids or cpu is mounted under ${mountRoot}`,
    };
  const cg = parent ?? caller.v2;
  if (cg === null)
    return { ok: false, reason: 'this process is in no cgroup v2 (no 0:: line in /proc/self/cgroup)' };
  const dir = dirOf(v2, cg);
  if (dir === null)
    return { ok: false, reason: `cgroup ${cg} is not visible through the mount at ${v2.mountPoint}` };
  return { ok: true, version: 2, hierarchies: [{ version: 2, controllers: [], parentDir: dir }] };
}

function discoverV1(mounts: CgroupMount[], v1: CallerCgroups['v1'], parent: string | undefined): Discovery {
  const hierarchies: Hierarchy[] = [];
  for (const h of v1) {
    const cg = parent ?? h.path;
    const dirs = mounts
      .filter((m) => m.version === 1 && h.controllers.every((c) => m.options.includes(c)))
      .map((m) => dirOf(m, cg));
    if (dirs.length === 0) continue; // not mounted here: as if the controller were missing
    const dir = dirs.find((d) => d !== null) ?? null;
    if (dir === null) {
      return {
        ok: false,
        reason: `cgroup ${cg} of the ${h.controllers.join(',')} hierarchy is not visible through its mount`,
      };
    }
    hierarchies.push({ version: 1, controllers: h.controllers, parentDir: dir });
  }
  return { ok: true, version: 1, hierarchies };
}
