/** The real CgroupFs: cgroupfs through node:fs, SIGKILL through process.kill. */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { errnoCode } from '../../errors.js';
import type { CgroupFs } from './types.js';

export const hostCgroupFs: CgroupFs = {
  mkdir: (p) => mkdirSync(p),
  rmdir: (p) => rmdirSync(p),
  read: (p) => readFileSync(p, 'utf8'),
  // 'r+': a cgroupfs file the kernel does not provide must fail (ENOENT), not be created.
  write: (p, text) => writeFileSync(p, text, { flag: 'r+' }),
  exists: (p) => existsSync(p),
  subdirs: (p) =>
    readdirSync(p, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name),
  kill: (pid) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (e) {
      if (errnoCode(e) !== 'ESRCH') throw e;
    }
  },
  alive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      // EPERM: it exists, owned by someone else.
      return errnoCode(e) === 'EPERM';
    }
  },
};

/** Blocks the thread: the synchronous sweep waits for killed processes to leave their cgroup. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
