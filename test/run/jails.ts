import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
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
 * A python jail: the host's python3.11 with its libraries, /usr/lib/python3.11 (without its test
 * suite) and the libraries of ctypes, which the hostile scripts use for mount and ptrace.
 */
export async function makePythonJail(dir: string): Promise<string> {
  const dynload = '/usr/lib/python3.11/lib-dynload';
  const ctypes = (await execa('sh', ['-c', `ls ${dynload}/_ctypes*.so`])).stdout.trim().split('\n');
  await makeMiniJail(dir, ['/usr/bin/python3.11', '/bin/sh', ...ctypes]);
  symlinkSync('python3.11', path.join(dir, 'usr/bin/python3'));
  await execa('cp', ['-a', '/usr/lib/python3.11', path.join(dir, 'usr/lib/')]);
  await execa('rm', [
    '-rf',
    path.join(dir, 'usr/lib/python3.11/test'),
    path.join(dir, 'usr/lib/python3.11/idlelib'),
  ]);
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
