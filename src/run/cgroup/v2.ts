/**
 * cgroup v2: `<parent>/jailsmith/<job>`. "No internal processes": controllers reach a child only
 * through its parent's cgroup.subtree_control, and we write only into cgroups we created. So the
 * parent must already delegate what the limits need; `jailsmith` (never holding a process)
 * then enables them for the job directories.
 */
import { errnoCode } from '../../errors.js';
import { makeJobDir } from './create-dirs.js';
import { makeJobCgroup } from './job.js';
import { removeParentIfEmpty } from './kill.js';
import { CPU_PERIOD_US, neededControllers, quotaUs } from './limits.js';
import { PARENT_NAME } from './names.js';
import type { CgroupFs, CgroupLimits, CgroupSetup, Hierarchy } from './types.js';

/**
 * Enabled when delegated even with no limit asked: their files give the stats (memory.peak,
 * pids.events). Not cpu: cpu.stat's usage_usec is there without it, and enabling it can fail
 * (realtime tasks) where nothing asked for it.
 */
const FOR_STATS = ['memory', 'pids'];

export function setupV2(fs: CgroupFs, h: Hierarchy, name: string, limits: CgroupLimits): CgroupSetup {
  let delegated: string[];
  try {
    delegated = fs.read(`${h.parentDir}/cgroup.subtree_control`).trim().split(/\s+/).filter(Boolean);
  } catch (e) {
    return {
      ok: false,
      reason: `cannot read ${h.parentDir}/cgroup.subtree_control: ${errnoCode(e) ?? String(e)}`,
    };
  }
  const missing = neededControllers(limits).filter((n) => !delegated.includes(n.controller));
  if (missing.length > 0) {
    return {
      ok: false,
      reason:
        `cgroup ${h.parentDir} does not delegate ${missing.map((m) => m.controller).join(', ')} to its children ` +
        `(cgroup.subtree_control: "${delegated.join(' ')}"), needed by the ${missing.map((m) => m.limit).join(', ')} limit; ` +
        'run jailsmith in a cgroup that does (systemd: Delegate=yes, e.g. systemd-run --scope -p Delegate=yes) ' +
        'or configure a parent cgroup that does',
    };
  }
  const needed = neededControllers(limits).map((n) => n.controller);
  const optional = FOR_STATS.filter((c) => delegated.includes(c) && !needed.includes(c));
  let enabled = needed;
  const notes: string[] = [];
  let dir: string | null = null;
  try {
    dir = makeJobDir(fs, h.parentDir, name, (shared) => {
      enabled = needed;
      if (needed.length > 0)
        fs.write(`${shared}/cgroup.subtree_control`, needed.map((c) => `+${c}`).join(' '));
      try {
        if (optional.length > 0) {
          fs.write(`${shared}/cgroup.subtree_control`, optional.map((c) => `+${c}`).join(' '));
          enabled = [...needed, ...optional];
        }
      } catch {}
    });
    writeLimits(fs, dir, limits, notes);
  } catch (e) {
    if (dir !== null) {
      try {
        fs.rmdir(dir);
      } catch {}
    }
    try {
      removeParentIfEmpty(fs, `${h.parentDir}/${PARENT_NAME}`);
    } catch {}
    return {
      ok: false,
      reason: `cannot set up the job cgroup in ${dir ?? h.parentDir}: ${errnoCode(e) ?? String(e)}`,
    };
  }
  return { ok: true, cgroup: makeJobCgroup(fs, 2, [{ controllers: enabled, dir }], notes) };
}

function writeLimits(fs: CgroupFs, dir: string, limits: CgroupLimits, notes: string[]): void {
  if (limits.memoryBytes !== undefined) {
    fs.write(`${dir}/memory.max`, String(limits.memoryBytes));
    // Swap would otherwise extend memory.max; without the file, swap is not accounted at all.
    if (fs.exists(`${dir}/memory.swap.max`)) fs.write(`${dir}/memory.swap.max`, '0');
    else
      notes.push('cgroup-no-swap-accounting: memory.swap.max is missing; swap can extend the memory limit');
    // The OOM killer ends the whole job, not one process of it that the rest may outlive.
    if (fs.exists(`${dir}/memory.oom.group`)) fs.write(`${dir}/memory.oom.group`, '1');
  }
  if (limits.pids !== undefined) fs.write(`${dir}/pids.max`, String(limits.pids));
  if (limits.cores !== undefined) fs.write(`${dir}/cpu.max`, `${quotaUs(limits.cores)} ${CPU_PERIOD_US}`);
}
