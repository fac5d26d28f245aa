import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/**
 * A small working jail made without jailsmith itself (ldd on the host's own binaries is safe), for
 * suites that need a real root to audit, pack or run before depending on `build`.
 * Holds the binaries, their libraries, /etc/passwd and group with root and uid 1000, /tmp 1777.
 */
export async function makeMiniJail(
  dir: string,
  binaries: string[] = ['/bin/sh', '/bin/ls', '/bin/cat'],
): Promise<string> {
  const files = new Set<string>();
  for (const bin of binaries) {
    files.add(bin);
    const { stdout } = await execa('ldd', [bin], { reject: false });
    for (const m of stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)) files.add(m[1] as string);
  }
  for (const f of files) {
    const dest = path.join(dir, f);
    mkdirSync(path.dirname(dest), { recursive: true, mode: 0o755 });
    copyFileSync(f, dest);
    chmodSync(dest, 0o755);
  }
  mkdirSync(path.join(dir, 'etc'), { recursive: true, mode: 0o755 });
  writeFileSync(
    path.join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\njail:x:1000:1000::/home/jail:/bin/sh\n',
  );
  writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\njail:x:1000:\n');
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  chmodSync(path.join(dir, 'tmp'), 0o1777);
  mkdirSync(path.join(dir, 'home/jail'), { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  return dir;
}
