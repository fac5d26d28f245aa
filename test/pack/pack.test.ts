import { lutimesSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { manifestOf } from '../../src/manifest/manifest.js';
import { installPackage } from '../../src/pack/install.js';
import { packJail } from '../../src/pack/pack.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { LONG, makeFeatureJail } from './fixture.js';

describeAsRoot('pack: a jail with every entry type', () => {
  const tmp = tmpDir('jailsmith-pack-');
  const jail = path.join(tmp, 'jail');
  const pkg = path.join(tmp, 'jail.tar');

  beforeAll(async () => {
    await makeFeatureJail(jail);
    await packJail(jail, pkg, { format: 'tar' });
  });

  it('packs a device-holding tree completely (the node-tar trap)', async () => {
    const { stdout } = await execa('tar', ['-tf', pkg]);
    const names = stdout.split('\n');
    const expected = manifestOf(jail).entries.map((e) =>
      e.path === '/' ? './' : e.type === 'dir' ? `${e.path.slice(1)}/` : e.path.slice(1),
    );
    expect(names).toEqual(['.jailsmith/', '.jailsmith/manifest.json', '.jailsmith/setup.sh', ...expected]);
    expect(names).toContain('dev/null');
    expect(names).toContain('dev/loop7');
  });

  it('GNU tar lists each entry with the right type and numbers', async () => {
    const { stdout } = await execa('tar', ['-tvf', pkg, '--numeric-owner']);
    const line = (name: string) =>
      stdout.split('\n').find((l) => l.endsWith(` ${name}`) || l.includes(` ${name} `));
    expect(line('dev/null')).toMatch(/^crw-rw-rw- 0\/0\s+1,3 /);
    expect(line('dev/loop7')).toMatch(/^brw-rw---- 0\/0\s+7,7 /);
    expect(line('bin/cat2')).toMatch(/^h.* bin\/cat2 link to bin\/cat$/);
    expect(line('bin/su')).toMatch(/^-rwsr-xr-x 0\/0 /);
    expect(line('usr/bin/sh')).toMatch(/^l.* usr\/bin\/sh -> \.\.\/\.\.\/bin\/sh$/);
    expect(line('etc/cat-abs')).toMatch(/^l.* etc\/cat-abs -> \/bin\/cat$/);
    expect(line('tmp/')).toMatch(/^drwxrwxrwt 1000\/1000 /);
    expect(line('run.fifo')).toMatch(/^prw------- 0\/0 /);
    expect(stdout).toContain(LONG.slice(1));
    expect(stdout).not.toMatch(/ root\//);
  });

  it('GNU tar extracts it, capability included, equal to the jail', async () => {
    const out = path.join(tmp, 'gnu');
    await execa('mkdir', [out]);
    await execa('tar', [
      '-xpf',
      pkg,
      '-C',
      out,
      '--numeric-owner',
      '--xattrs',
      '--xattrs-include=security.*',
    ]);
    rmSync(path.join(out, '.jailsmith'), { recursive: true });
    expect(manifestOf(out)).toEqual(manifestOf(jail));
    const { stdout } = await execa('getcap', [path.join(out, 'bin/ping')]);
    expect(stdout).toContain('cap_net_raw=ep');
  });

  it('install recreates it: same manifest, capability present', async () => {
    const dest = path.join(tmp, 'installed');
    const r = await installPackage(pkg, dest);
    expect(r.entries).toBe(manifestOf(jail).entries.length);
    const want = manifestOf(jail);
    expect(want.entries.find((e) => e.path === '/bin/ping')?.capability).toMatch(/^0[12]/);
    expect(manifestOf(dest)).toEqual(want);
    const { stdout } = await execa('getcap', [path.join(dest, 'bin/ping')]);
    expect(stdout).toContain('cap_net_raw=ep');
    // Installing again replaces the tree and leaves no staging directory behind.
    await installPackage(pkg, dest);
    expect(manifestOf(dest)).toEqual(want);
    expect(
      readdirSync(tmp).filter((n) => n.includes('.jailsmith-') && !n.endsWith('.jailsmith-policy.json')),
    ).toEqual([]);
  });

  it('is byte-identical across mtime changes, gzip included', async () => {
    const a = path.join(tmp, 'a.tar.gz');
    const b = path.join(tmp, 'b.tar.gz');
    await packJail(jail, a, { format: 'tar.gz' });
    // lutimes: never through a link; every entry, the root and symlinks included.
    for (const e of manifestOf(jail, { hash: false }).entries)
      lutimesSync(path.join(jail, e.path), 99, 1_234_567);
    await packJail(jail, b, { format: 'tar.gz' });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    // The gzip header carries no name and no time; GNU tar reads the gzip members as one stream.
    expect(readFileSync(a).subarray(3, 8).equals(Buffer.alloc(5))).toBe(true);
    const { stdout } = await execa('tar', ['-tzf', a]);
    expect(stdout.split('\n')).toHaveLength(3 + manifestOf(jail, { hash: false }).entries.length);
  });

  it('is byte-identical whatever order the directory lists its entries', async () => {
    const a = path.join(tmp, 'order-a.tar');
    const b = path.join(tmp, 'order-b.tar');
    await packJail(jail, a, { format: 'tar' });
    // Recreate the jail at the same path, top-level entries copied in reverse order.
    const orig = `${jail}.orig`;
    renameSync(jail, orig);
    mkdirSync(jail);
    const names = readdirSync(orig).sort().reverse();
    for (const name of names) await execa('cp', ['-a', path.join(orig, name), jail]);
    await execa('chmod', ['--reference', orig, jail]);
    expect(manifestOf(jail)).toEqual(manifestOf(orig));
    await packJail(jail, b, { format: 'tar' });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('carries a bundle-mode setup.sh that builds the jail without jailsmith', async () => {
    const work = path.join(tmp, 'setup-run');
    mkdirSync(work);
    await execa('tar', ['-xf', pkg, '-C', work, '.jailsmith/setup.sh']);
    await execa('sh', [path.join(work, '.jailsmith/setup.sh'), '-q', path.join(work, 'jail')]);
    // The script cannot make FIFOs or set file capabilities: the plan's notes say so.
    const strip = (m: ReturnType<typeof manifestOf>) =>
      m.entries.filter((e) => e.type !== 'fifo').map(({ capability: _c, ...e }) => e);
    expect(strip(manifestOf(path.join(work, 'jail')))).toEqual(strip(manifestOf(jail)));
  });

  it('uses SOURCE_DATE_EPOCH for every mtime when given', async () => {
    const out = path.join(tmp, 'epoch.tar');
    await packJail(jail, out, { format: 'tar', mtime: 1_700_000_000 });
    const { stdout } = await execa('tar', ['-tvf', out, '--full-time'], { env: { TZ: 'UTC' } });
    const times = new Set(stdout.split('\n').map((l) => l.match(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/)?.[0]));
    expect([...times]).toEqual(['2023-11-14 22:13:20']);
  });
});
