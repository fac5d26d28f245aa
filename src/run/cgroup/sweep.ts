/**
 * Job cgroups left by a jailsmith that died before remove() (SIGKILL, power cut of the process):
 * their names embed the creator's pid; a dead creator's are emptied and removed.
 */
import { errnoCode } from '../../errors.js';
import type { Discovery } from './discover.js';
import { killAndRemoveSync, removeParentIfEmpty } from './kill.js';
import { ownerPid, PARENT_NAME } from './names.js';
import type { CgroupFs } from './types.js';

export interface SweepResult {
  /** Job cgroup directories removed. */
  removed: string[];
  /** Those that could not be removed (a process stuck in D state...), with why. */
  failed: { path: string; reason: string }[];
}

export function sweep(fs: CgroupFs, found: Discovery): SweepResult {
  const out: SweepResult = { removed: [], failed: [] };
  if (!found.ok) return out;
  for (const h of found.hierarchies) {
    const shared = `${h.parentDir}/${PARENT_NAME}`;
    let names: string[];
    try {
      names = fs.subdirs(shared);
    } catch {
      continue; // no jailsmith cgroup here (yet)
    }
    for (const name of names) {
      const pid = ownerPid(name);
      // A live owner (or a reused pid: then the next sweep gets it) keeps its cgroups.
      if (pid === null || fs.alive(pid)) continue;
      const dir = `${shared}/${name}`;
      try {
        killAndRemoveSync(fs, dir);
        out.removed.push(dir);
      } catch (e) {
        out.failed.push({ path: dir, reason: e instanceof Error ? e.message : String(e) });
      }
    }
    try {
      removeParentIfEmpty(fs, shared);
    } catch (e) {
      out.failed.push({ path: shared, reason: errnoCode(e) ?? String(e) });
    }
  }
  return out;
}
