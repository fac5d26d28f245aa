/** The JobCgroup handed to the engine: its join files, stats, and removal. */
import path from 'node:path';
import { emptyCgroup, killAndRemove, removeParentIfEmpty, tryRmdir } from './kill.js';
import { JOIN_FILE } from './names.js';
import { type Member, readStats } from './stats.js';
import type { CgroupFs, CgroupStats, JobCgroup } from './types.js';

export function makeJobCgroup(fs: CgroupFs, version: 1 | 2, members: Member[], notes: string[]): JobCgroup {
  let last: CgroupStats | null = null;
  let removing: Promise<void> | null = null;
  const remove = async (): Promise<void> => {
    // Empty every hierarchy first: the stats read next are final, and survive the rmdir.
    for (const m of members) await emptyCgroup(fs, m.dir);
    last = readStats(fs, version, members);
    for (const m of members) {
      // Found empty just now: an rmdir alone mostly does it (a fork that raced the emptying makes
      // it EBUSY, and the kill-and-remove rounds take over).
      if (!tryRmdir(fs, m.dir)) await killAndRemove(fs, m.dir);
      removeParentIfEmpty(fs, path.dirname(m.dir));
    }
  };
  return {
    version,
    joinFiles: members.map((m) => `${m.dir}/${JOIN_FILE[version]}`),
    paths: members.map((m) => m.dir),
    notes,
    stats: () => last ?? readStats(fs, version, members),
    remove: () => {
      // A failed removal (a process stuck in D state) may be retried by calling again.
      removing ??= remove().catch((e: unknown) => {
        removing = null;
        throw e;
      });
      return removing;
    },
  };
}
