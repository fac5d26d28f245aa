import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { createResolverSync } from '../../src/resolve/resolver.js';
import { SourceRoot } from '../../src/resolve/source-root.js';
import type { Dependencies } from '../../src/resolve/types.js';
import { compileC } from '../helpers/compile.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { parseTrace } from './loader.js';

/**
 * A small root with libc, the loader and a program whose library lives in /opt/first. The cache
 * is built by `ldconfig -r`; ld.so.conf is then changed to name /opt/second first without
 * rebuilding: the loader follows the cache, a root without one follows ld.so.conf.
 */
async function makeRoot(R: string): Promise<void> {
  for (const d of ['lib/x86_64-linux-gnu', 'lib64', 'opt/first', 'opt/second', 'etc', 'bin'])
    mkdirSync(path.join(R, d), { recursive: true });
  copyFileSync('/lib/x86_64-linux-gnu/libc.so.6', path.join(R, 'lib/x86_64-linux-gnu/libc.so.6'));
  copyFileSync('/lib64/ld-linux-x86-64.so.2', path.join(R, 'lib64/ld-linux-x86-64.so.2'));
  const src = path.join(R, '..', 'src');
  mkdirSync(src, { recursive: true });
  for (const d of ['first', 'second'])
    await compileC('int q(void){return 42;}\n', path.join(R, 'opt', d, 'libq.so.1'), [
      '-shared',
      '-fPIC',
      '-Wl,-soname,libq.so.1',
    ]);
  await compileC('int q(void);\nint main(void){return q() == 42 ? 0 : 1;}\n', path.join(src, 'prog'), [
    `-L${path.join(R, 'opt/first')}`,
    '-l:libq.so.1',
  ]);
  copyFileSync(path.join(src, 'prog'), path.join(R, 'bin/prog'));
  writeFileSync(path.join(R, 'etc/ld.so.conf'), '/opt/first\n');
  await execa('ldconfig', ['-r', R]);
  writeFileSync(path.join(R, 'etc/ld.so.conf'), 'include /etc/ld.so.conf.d/*.conf\n');
  mkdirSync(path.join(R, 'etc/ld.so.conf.d'));
  writeFileSync(path.join(R, 'etc/ld.so.conf.d/a.conf'), '/opt/second\n/opt/first\n');
}

/** In-root realpaths, so absolute links inside the root stay inside it. */
const inRootReal = (R: string, paths: Iterable<string>) =>
  new Set([...paths].map((p) => new SourceRoot(R).realpath(p)?.path ?? `missing:${p}`));

describe('a root with its own ld.so.cache', () => {
  const base = tmpDir('jailsmith-rootcache-');
  const R = path.join(base, 'root');
  beforeAll(() => makeRoot(R));

  it('the cache wins over ld.so.conf', () => {
    const d = createResolverSync({ root: R }).resolveSync('/bin/prog') as Dependencies;
    expect(d.closure).toEqual([
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
      '/opt/first/libq.so.1',
    ]);
    expect(d.missing).toEqual([]);
  });

  it('without a cache, ld.so.conf and its include globs are read', () => {
    rmSync(path.join(base, 'nocache'), { recursive: true, force: true });
    const N = path.join(base, 'nocache');
    cpSync(R, N, { recursive: true, verbatimSymlinks: true });
    rmSync(path.join(N, 'etc/ld.so.cache'));
    const d = createResolverSync({ root: N }).resolveSync('/bin/prog') as Dependencies;
    expect(d.closure).toContain('/opt/second/libq.so.1');
  });

  /** A copy of the root whose /etc/ld.so.preload names the other libq and one that is absent. */
  const preloadRoot = (): string => {
    const P = path.join(base, 'preload');
    if (existsSync(P)) return P;
    cpSync(R, P, { recursive: true, verbatimSymlinks: true });
    writeFileSync(path.join(P, 'etc/ld.so.preload'), '/opt/second/libq.so.1 libnotthere.so\n');
    return P;
  };

  it('/etc/ld.so.preload objects come first, and their soname answers DT_NEEDED', () => {
    const P = preloadRoot();
    const d = createResolverSync({ root: P }).resolveSync('/bin/prog') as Dependencies;
    expect(d.closure).toEqual([
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
      '/opt/second/libq.so.1',
    ]);
    // A preload the loader cannot find is ignored with a warning, not missing.
    expect(d.missing).toEqual([]);
  });

  describeAsRoot('checked with the loader inside the root (chroot)', () => {
    it('ld.so --list in a chroot agrees', async () => {
      const r = await execa('chroot', [R, '/lib64/ld-linux-x86-64.so.2', '--list', '/bin/prog']);
      const loader = parseTrace(r.stdout, (p) => path.join(R, p));
      const d = createResolverSync({ root: R }).resolveSync('/bin/prog') as Dependencies;
      expect(loader.notFound).toEqual([]);
      expect(new Set([...loader.found].map((h) => h.slice(R.length)))).toEqual(inRootReal(R, d.closure));
    });

    it('with /etc/ld.so.preload, ld.so --list in a chroot agrees', async () => {
      const P = preloadRoot();
      const r = await execa('chroot', [P, '/lib64/ld-linux-x86-64.so.2', '--list', '/bin/prog']);
      const loader = parseTrace(r.stdout, (p) => path.join(P, p));
      const d = createResolverSync({ root: P }).resolveSync('/bin/prog') as Dependencies;
      expect(new Set([...loader.found].map((h) => h.slice(P.length)))).toEqual(inRootReal(P, d.closure));
    });
  });
});
