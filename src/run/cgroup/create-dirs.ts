/**
 * mkdir of `<parent>/jailsmith/<job>`. Many jailsmith processes share the `jailsmith` cgroup: one
 * may rmdir it (its last job ended) between our two mkdir calls, so ENOENT starts over.
 */
import { errnoCode } from '../../errors.js';
import { PARENT_NAME } from './names.js';
import type { CgroupFs } from './types.js';

const ATTEMPTS = 20;

/** Where makeJobDir puts job `name` under `parentDir` (known before it is made). */
export function jobDirOf(parentDir: string, name: string): string {
  return `${parentDir}/${PARENT_NAME}/${name}`;
}

/**
 * Creates the job directory and returns it. `prepareParent` runs on the `jailsmith` directory
 * before each job mkdir (v2: enabling controllers for its children). Errno errors propagate.
 */
export function makeJobDir(
  fs: CgroupFs,
  parentDir: string,
  name: string,
  prepareParent: (dir: string) => void = () => {},
): string {
  const shared = `${parentDir}/${PARENT_NAME}`;
  const job = jobDirOf(parentDir, name);
  for (let i = 1; ; i++) {
    try {
      try {
        fs.mkdir(shared);
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw e;
      }
      prepareParent(shared);
      fs.mkdir(job);
      return job;
    } catch (e) {
      // ENOENT of the parent cgroup itself is not a race: fs.exists tells them apart.
      if (errnoCode(e) !== 'ENOENT' || i >= ATTEMPTS || !fs.exists(parentDir)) throw e;
    }
  }
}
