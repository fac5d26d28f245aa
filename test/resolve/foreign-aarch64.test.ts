import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';

const ROOT = '/usr/aarch64-linux-gnu';

// Placing the program in /usr/aarch64-linux-gnu needs root.
describeAsRoot('a foreign root: aarch64 in /usr/aarch64-linux-gnu', () => {
  const name = `jailsmith-test-${process.pid}-${Date.now().toString(36)}`;
  const placed = path.join(ROOT, name);
  const work = tmpDir();

  beforeAll(async () => {
    const src = path.join(work, 'm.c');
    writeFileSync(
      src,
      '#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\nint main(int c, char **v){printf("%.1f\\n", sqrt(atof(c > 1 ? v[1] : "16")));return 0;}\n',
    );
    await execa('aarch64-linux-gnu-gcc', ['-o', placed, src, '-lm']);
  });
  afterAll(() => rmSync(placed, { force: true }));

  it('resolves with --root to in-root paths of that root', async () => {
    const r = await runCli(['deps', '--json', '--root', ROOT, `/${name}`]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      [`/${name}`]: {
        interpreter: '/lib/ld-linux-aarch64.so.1',
        closure: ['/lib/ld-linux-aarch64.so.1', '/lib/libc.so.6', '/lib/libm.so.6'],
        missing: [],
      },
    });
  });

  it('accepts the host path of a file under --root too, and prints text like lddtree', async () => {
    const r = await runCli(['deps', '--root', ROOT, placed]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`${placed} (interpreter => /lib/ld-linux-aarch64.so.1)`);
    expect(r.stdout).toMatch(/^ {4}libm\.so\.6 => \/lib\/libm\.so\.6$/m);
  });

  it('runs under qemu-aarch64 with that root', async () => {
    const r = await execa('qemu-aarch64', ['-L', ROOT, placed, '81']);
    expect(r.stdout.trim()).toBe('9.0');
  });
});
