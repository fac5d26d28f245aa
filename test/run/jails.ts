import { chmodSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildJail } from '../../src/build/build-jail.js';
import { REPO } from '../helpers/cli.js';
import { compileC } from '../helpers/compile.js';
import { makeMiniJail } from '../helpers/mini-jail.js';

const HOSTILE_SRC = path.join(import.meta.dirname, 'hostile.c');

/** Directories the run tests bind onto, present in both jails. */
function addMountPoints(dir: string): void {
  for (const d of ['in', 'out', 'work', 'proc'])
    mkdirSync(path.join(dir, d), { recursive: true, mode: 0o755 });
}

/**
 * A C jail: /bin/sh, cat, ls and the hostile test program at /usr/bin/hostile (dynamically linked
 * against the jail's libc). Until `build` lands this stands in for a built compute jail.
 */
export async function makeCJail(dir: string): Promise<string> {
  await makeMiniJail(dir, ['/bin/sh', '/bin/cat', '/bin/ls']);
  const bin = await compileC(
    readFileSync(HOSTILE_SRC, 'utf8'),
    path.join(path.dirname(dir), `hostile-${path.basename(dir)}`),
  );
  mkdirSync(path.join(dir, 'usr/bin'), { recursive: true, mode: 0o755 });
  copyFileSync(bin, path.join(dir, 'usr/bin/hostile'));
  chmodSync(path.join(dir, 'usr/bin/hostile'), 0o755);
  addMountPoints(dir);
  return dir;
}

/**
 * A python jail built by jailsmith itself from jails/python.yaml (buildJail), plus the
 * test's mount points and /opt/hostile.py. ctypes (mount, ptrace attempts) comes with the profile.
 */
export async function makePythonJail(dir: string): Promise<string> {
  await buildJail(path.join(REPO, 'jails/python.yaml'), dir, { unsafeAncestors: true });
  mkdirSync(path.join(dir, 'opt'), { mode: 0o755 });
  copyFileSync(path.join(import.meta.dirname, 'hostile.py'), path.join(dir, 'opt/hostile.py'));
  addMountPoints(dir);
  return dir;
}

export interface HostileJail {
  name: string;
  make: (dir: string) => Promise<string>;
  /** argv prefix that runs the hostile program in this jail. */
  prefix: string[];
}

export const HOSTILE_JAILS: HostileJail[] = [
  { name: 'C jail', make: makeCJail, prefix: ['/usr/bin/hostile'] },
  { name: 'python jail', make: makePythonJail, prefix: ['python3', '/opt/hostile.py'] },
];
