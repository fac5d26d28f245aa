import { mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostX86Levels } from '../../src/resolve/hwcaps.js';
import { createResolverSync } from '../../src/resolve/resolver.js';
import type { Dependencies } from '../../src/resolve/types.js';
import { compileC } from '../helpers/compile.js';
import { tmpDir } from '../helpers/tmp.js';
import { type LoaderAnswer, parseTrace, realSet, traceGlibc } from './loader.js';

const MAIN = (fn: string) => `int ${fn}(void);\nint main(void){return ${fn}() == 42 ? 0 : 1;}\n`;
const LIB = (fn: string, body = 'return 42;', decl = '') => `${decl}\nint ${fn}(void){${body}}\n`;

/** Builds a shared library with a soname equal to its file name. */
async function lib(
  dir: string,
  name: string,
  src: string,
  flags: string[] = [],
  cc = 'gcc',
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  return compileC(src, path.join(dir, name), ['-shared', '-fPIC', `-Wl,-soname,${name}`, ...flags], cc);
}

function expectAgreement(ours: Dependencies, loader: LoaderAnswer): void {
  expect(realSet(ours.closure)).toEqual(loader.found);
  expect(ours.missing).toEqual(loader.notFound);
}

describe('fixtures checked against the loader itself', () => {
  const D = tmpDir('jailsmith-fixtures-');
  const p = (...s: string[]) => path.join(D, ...s);
  const resolve = (f: string, opts = {}) => createResolverSync(opts).resolveSync(f) as Dependencies;

  beforeAll(async () => {
    // libb is needed by liba; only the RPATH of the program points at it.
    await lib(p('B'), 'libb.so', LIB('b'));
    await lib(p('A'), 'liba.so', LIB('a', 'return b();', 'int b(void);'), [`-L${p('B')}`, '-lb']);
    await lib(p('A2'), 'liba.so', LIB('a', 'return b();', 'int b(void);'), [
      `-L${p('B')}`,
      '-lb',
      '-Wl,--enable-new-dtags,-rpath,/nonexistent',
    ]);
    const linkA = (dir: string) => [`-L${p(dir)}`, '-la', `-Wl,-rpath-link,${p('B')}`];
    await compileC(MAIN('a'), p('rpath'), [
      ...linkA('A'),
      `-Wl,--disable-new-dtags,-rpath,${p('A')}:${p('B')}`,
    ]);
    await compileC(MAIN('a'), p('runpath'), [
      ...linkA('A'),
      `-Wl,--enable-new-dtags,-rpath,${p('A')}:${p('B')}`,
    ]);
    await compileC(MAIN('a'), p('rpath-blocked'), [
      ...linkA('A2'),
      `-Wl,--disable-new-dtags,-rpath,${p('A2')}:${p('B')}`,
    ]);

    // $ORIGIN/../lib, run through a symlink from elsewhere.
    await lib(p('app/lib'), 'libo.so', LIB('o'));
    mkdirSync(p('app/bin'), { recursive: true });
    await compileC(MAIN('o'), p('app/bin/prog'), [
      `-L${p('app/lib')}`,
      '-lo',
      '-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib',
    ]);
    mkdirSync(p('links'));
    symlinkSync('../app/bin/prog', p('links/prog'));

    // glibc-hwcaps: an x86-64-v2 build next to the baseline one.
    await lib(p('hw'), 'libh.so', LIB('h'));
    await lib(p('hw/glibc-hwcaps/x86-64-v2'), 'libh.so', LIB('h'));
    await compileC(MAIN('h'), p('hwprog'), [`-L${p('hw')}`, '-lh', `-Wl,-rpath,${p('hw')}`]);

    // $LIB expands to lib/x86_64-linux-gnu on Debian.
    await lib(p('dl/lib/x86_64-linux-gnu'), 'libl.so', LIB('l'));
    await compileC(MAIN('l'), p('libprog'), [
      `-L${p('dl/lib/x86_64-linux-gnu')}`,
      '-ll',
      `-Wl,-rpath,${p('dl')}/$LIB`,
    ]);

    // An aarch64 libw.so earlier in the path than the x86_64 one.
    await lib(p('w1'), 'libw.so', LIB('w'), [], 'aarch64-linux-gnu-gcc');
    await lib(p('w2'), 'libw.so', LIB('w'));
    await compileC(MAIN('w'), p('wprog'), [`-L${p('w2')}`, '-lw', `-Wl,-rpath,${p('w1')}:${p('w2')}`]);

    // A library that is gone after linking.
    await lib(p('gone'), 'libgone.so', LIB('g'));
    await compileC(MAIN('g'), p('missing'), [`-L${p('gone')}`, '-lgone', `-Wl,-rpath,${p('gone')}`]);
    rmSync(p('gone/libgone.so'));

    // A cycle (libc1 <-> libc2) under a diamond (prog -> libc1, libc2 -> libc).
    await lib(p('cyc'), 'libc2.so', LIB('c2'));
    await lib(p('cyc'), 'libc1.so', LIB('c1', 'return c2();', 'int c2(void);'), [`-L${p('cyc')}`, '-lc2']);
    await lib(p('cyc'), 'libc2.so', LIB('c2', 'return 42 + 0 * c1();', 'int c1(void);'), [
      `-L${p('cyc')}`,
      '-lc1',
    ]);
    await compileC(MAIN('c1'), p('cycle'), [
      `-L${p('cyc')}`,
      '-Wl,--no-as-needed',
      '-lc1',
      '-lc2',
      `-Wl,--disable-new-dtags,-rpath,${p('cyc')}`,
    ]);

    // DF_1_NODEFLIB: neither the cache nor the default directories are searched.
    await compileC('int main(void){return 0;}\n', p('nodeflib'), ['-Wl,-z,nodefaultlib']);

    writeFileSync(p('muslprog.c'), 'int main(void){return 0;}\n');
    await execa('musl-gcc', ['-o', p('muslprog'), p('muslprog.c')]);
  });

  it('RPATH is inherited by the libraries a program loads', async () => {
    const ours = resolve(p('rpath'));
    expectAgreement(ours, await traceGlibc(p('rpath')));
    expect(ours.closure).toContain(p('B/libb.so'));
  });

  it('RUNPATH is not inherited: liba finds no libb', async () => {
    const ours = resolve(p('runpath'));
    expectAgreement(ours, await traceGlibc(p('runpath')));
    expect(ours.missing).toEqual(['libb.so']);
  });

  it("a library's own RUNPATH stops the RPATH inherited from its loader", async () => {
    const ours = resolve(p('rpath-blocked'));
    expectAgreement(ours, await traceGlibc(p('rpath-blocked')));
    expect(ours.missing).toEqual(['libb.so']);
  });

  it('$ORIGIN/../lib is taken from the real path, also through a symlink', async () => {
    const loader = await traceGlibc(p('links/prog'));
    expectAgreement(resolve(p('links/prog')), loader);
    expect(loader.found).toContain(realpathSync(p('app/lib/libo.so')));
    const ours = resolve(p('links/prog'));
    expect(ours.files).toEqual(
      expect.arrayContaining([p('links/prog'), p('app/bin/prog'), p('app/lib/libo.so')]),
    );
  });

  it('glibc-hwcaps subdirectories are picked as this CPU would', async () => {
    const ours = resolve(p('hwprog'));
    expectAgreement(ours, await traceGlibc(p('hwprog')));
    const v2 = hostX86Levels().includes('x86-64-v2');
    expect(ours.closure).toContain(v2 ? p('hw/glibc-hwcaps/x86-64-v2/libh.so') : p('hw/libh.so'));
    expect(resolve(p('hwprog'), { hwcaps: 'baseline' }).closure).toContain(p('hw/libh.so'));
    expect(resolve(p('hwprog'), { hwcaps: ['x86-64-v2'] }).closure).toContain(
      p('hw/glibc-hwcaps/x86-64-v2/libh.so'),
    );
  });

  it('$LIB in RPATH', async () => {
    const ours = resolve(p('libprog'));
    expectAgreement(ours, await traceGlibc(p('libprog')));
    expect(ours.closure).toContain(p('dl/lib/x86_64-linux-gnu/libl.so'));
  });

  it('a library of the wrong architecture earlier in the path is skipped', async () => {
    const ours = resolve(p('wprog'));
    expectAgreement(ours, await traceGlibc(p('wprog')));
    expect(ours.closure).toContain(p('w2/libw.so'));
  });

  it('a missing library is reported', async () => {
    const ours = resolve(p('missing'));
    expectAgreement(ours, await traceGlibc(p('missing')));
    expect(ours.missing).toEqual(['libgone.so']);
  });

  it('a dependency cycle and a diamond: each object once', async () => {
    const ours = resolve(p('cycle'));
    expectAgreement(ours, await traceGlibc(p('cycle')));
    expect(ours.closure.filter((f) => f.includes('/cyc/'))).toEqual([p('cyc/libc1.so'), p('cyc/libc2.so')]);
    // Every edge of the cycle is recorded, pointing at the one loaded object.
    expect(ours.edges).toEqual(
      expect.arrayContaining([
        { from: p('cyc/libc1.so'), name: 'libc2.so', path: p('cyc/libc2.so') },
        { from: p('cyc/libc2.so'), name: 'libc1.so', path: p('cyc/libc1.so') },
      ]),
    );
  });

  it('-z nodefaultlib: libc is not found outside RPATH/RUNPATH', async () => {
    const ours = resolve(p('nodeflib'));
    const loader = await traceGlibc(p('nodeflib'));
    // The loader stops before listing itself when a library is missing; compare the rest.
    expect(ours.missing).toEqual(loader.notFound);
    expect(ours.missing).toEqual(['libc.so.6']);
    expect(realSet(ours.closure)).toEqual(
      new Set([...loader.found, realpathSync(ours.interpreter as string)]),
    );
  });

  it('a musl program: the musl loader is its libc', async () => {
    const ours = resolve(p('muslprog'));
    const r = await execa(ours.interpreter as string, ['--list', p('muslprog')], { reject: false });
    const loader = parseTrace(r.stdout);
    expect(realSet(ours.closure)).toEqual(loader.found);
    expect(ours.interpreter).toMatch(/ld-musl-x86_64\.so\.1$/);
    expect(ours.missing).toEqual([]);
  });

  it('a #!/usr/bin/env python3 script brings env, python3 and their libraries', async () => {
    writeFileSync(p('script.py'), '#!/usr/bin/env python3\nprint(1)\n');
    const ours = resolve(p('script.py'));
    expect(ours.interpreter).toBe('/usr/bin/env');
    const py = (
      await execa('sh', ['-c', 'command -v python3'], {
        env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
      })
    ).stdout;
    const want = new Set([realpathSync('/usr/bin/env'), realpathSync(py)]);
    for (const prog of ['/usr/bin/env', py]) for (const f of (await traceGlibc(prog)).found) want.add(f);
    expect(realSet(ours.closure)).toEqual(want);
    expect(ours.files).toEqual(expect.arrayContaining([py, realpathSync(py)]));
  });
});
