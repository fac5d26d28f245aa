import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
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
  await addMissingLibs(dir, '/usr/lib/python3.11/lib-dynload/_ctypes.cpython-311-x86_64-linux-gnu.so');
  mkdirSync(path.join(dir, 'opt'), { mode: 0o755 });
  copyFileSync(path.join(import.meta.dirname, 'hostile.py'), path.join(dir, 'opt/hostile.py'));
  addMountPoints(dir);
  return dir;
}

/**
 * Stopgap: the plan for jails/python.yaml leaves out libffi, which _ctypes needs (reported to
 * spec-plan); copy what ldd lists and the jail lacks so the ctypes attacks reach the kernel.
 */
async function addMissingLibs(dir: string, module: string): Promise<void> {
  const { stdout } = await execa('ldd', [module], { reject: false });
  for (const m of stdout.matchAll(/=>\s*(\/\S+)\s+\(0x/g)) {
    const lib = m[1] as string;
    if (existsSync(path.join(dir, lib))) continue;
    mkdirSync(path.join(dir, path.dirname(lib)), { recursive: true, mode: 0o755 });
    copyFileSync(lib, path.join(dir, lib));
  }
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
