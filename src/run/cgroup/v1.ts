/** cgroup v1: one job directory per hierarchy (memory, pids, cpu, cpuacct), limits on each. */
import { errnoCode } from '../../errors.js';
import { makeJobDir } from './create-dirs.js';
import { makeJobCgroup } from './job.js';
import { removeParentIfEmpty } from './kill.js';
import { CPU_PERIOD_US, neededControllers, quotaUs } from './limits.js';
import { PARENT_NAME } from './names.js';
import type { Member } from './stats.js';
import type { CgroupFs, CgroupLimits, CgroupSetup, Hierarchy } from './types.js';

export function setupV1(
  fs: CgroupFs,
  hierarchies: Hierarchy[],
  name: string,
  limits: CgroupLimits,
  mountRoot: string,
): CgroupSetup {
  for (const { controller, limit } of neededControllers(limits)) {
    if (!hierarchies.some((h) => h.controllers.includes(controller))) {
      return {
        ok: false,
        reason: `a ${limit} limit was asked but no cgroup v1 ${controller} hierarchy is mounted under ${mountRoot}`,
      };
    }
  }
  const members: Member[] = [];
  const notes: string[] = [];
  let at = '';
  try {
    for (const h of hierarchies) {
      at = h.parentDir;
      const dir = makeJobDir(fs, h.parentDir, name);
      members.push({ controllers: h.controllers, dir });
      at = dir;
      writeLimits(fs, dir, h.controllers, limits, notes);
    }
  } catch (e) {
    // Nothing is in them yet: plain rmdir, then the shared parents we may have just made.
    for (const m of members) {
      try {
        fs.rmdir(m.dir);
      } catch {}
    }
    for (const h of hierarchies) {
      try {
        removeParentIfEmpty(fs, `${h.parentDir}/${PARENT_NAME}`);
      } catch {}
    }
    return { ok: false, reason: `cannot set up the job cgroup in ${at}: ${errnoCode(e) ?? String(e)}` };
  }
  return { ok: true, cgroup: makeJobCgroup(fs, 1, members, notes) };
}

function writeLimits(
  fs: CgroupFs,
  dir: string,
  controllers: string[],
  limits: CgroupLimits,
  notes: string[],
): void {
  if (controllers.includes('memory') && limits.memoryBytes !== undefined) {
    const bytes = String(limits.memoryBytes);
    fs.write(`${dir}/memory.limit_in_bytes`, bytes);
    // memory+swap to the same value: swapping out does not buy the job more memory.
    if (fs.exists(`${dir}/memory.memsw.limit_in_bytes`))
      fs.write(`${dir}/memory.memsw.limit_in_bytes`, bytes);
    else
      notes.push(
        'cgroup-no-swap-accounting: memory.memsw.limit_in_bytes is missing; swap can extend the memory limit',
      );
  }
  if (controllers.includes('pids') && limits.pids !== undefined) {
    fs.write(`${dir}/pids.max`, String(limits.pids));
  }
  if (controllers.includes('cpu') && limits.cores !== undefined) {
    fs.write(`${dir}/cpu.cfs_period_us`, String(CPU_PERIOD_US));
    fs.write(`${dir}/cpu.cfs_quota_us`, String(quotaUs(limits.cores)));
  }
}
