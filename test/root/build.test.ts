import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/build/apply.js';
import { manifestOf } from '../../src/manifest/manifest.js';
import type { PlanEntry } from '../../src/plan/types.js';
import { makeDev, makeDevices } from '../../src/root/devices.js';
import { describeAsRoot } from '../helpers/root.js';
import { basicPlan, dir, file, gen, plan } from './plans.js';
import { targets } from './targets.js';

describe('makeDev', () => {
  it('matches glibc makedev for small and large numbers', () => {
    expect(makeDev(1, 3)).toBe(0x103n);
    expect(makeDev(8, 256)).toBe(0x100800n);
    expect(makeDev(259, 65536)).toBe(0x10010300n);
    expect(makeDev(4095, 1048575)).toBe(0xffffffffn);
  });
});

describeAsRoot('applyPlan writes a jail', () => {
  const dirs = targets();
  let t: string;
  let jail: string;
  let src: string;
  let leftovers: () => string[];
  beforeEach(() => {
    ({ t, jail, src, leftovers } = dirs.next());
  });

  it('a mknod that fails is a ROOT_MKNOD_FAILED with what mknod said, and stops the batch', async () => {
    mkdirSync(src);
    const ok = path.join(src, 'ok');
    const bad = path.join(src, 'missing-dir', 'null');
    const after = path.join(src, 'after');
    const node = (host: string) => ({ host, type: 'char' as const, major: 1, minor: 3 });
    await expect(makeDevices([node(ok), node(bad), node(after)])).rejects.toMatchObject({
      code: 'ROOT_MKNOD_FAILED',
      message: expect.stringMatching(/mknod failed: .*No such file or directory/),
    });
    expect(lstatSync(ok).isCharacterDevice()).toBe(true);
    expect(existsSync(after)).toBe(false);
  });

  it('creates devices with large majors and minors, checked with stat(1)', async () => {
    const devs: PlanEntry[] = [
      { type: 'device', path: '/dev/null', device: 'char', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
      {
        type: 'device',
        path: '/dev/big',
        device: 'char',
        major: 4095,
        minor: 1048575,
        mode: 0o600,
        uid: 0,
        gid: 5,
      },
      {
        type: 'device',
        path: '/dev/blk',
        device: 'block',
        major: 259,
        minor: 65536,
        mode: 0o660,
        uid: 0,
        gid: 6,
      },
      {
        type: 'device',
        path: '/dev/m300',
        device: 'char',
        major: 10,
        minor: 300,
        mode: 0o640,
        uid: 0,
        gid: 0,
      },
    ];
    await applyPlan(plan([dir('/dev'), ...devs]), jail);
    const { stdout } = await execa('stat', [
      '-c',
      '%n %F %Hr %Lr %a %g',
      ...devs.map((d) => path.join(jail, d.path)),
    ]);
    expect(stdout.split('\n')).toEqual([
      `${jail}/dev/null character special file 1 3 666 0`,
      `${jail}/dev/big character special file 4095 1048575 600 5`,
      `${jail}/dev/blk block special file 259 65536 660 6`,
      `${jail}/dev/m300 character special file 10 300 640 0`,
    ]);
    const m = manifestOf(jail, { hash: false }).entries.find((e) => e.path === '/dev/big');
    expect(m?.rdev).toEqual([4095, 1048575]);
    const again = await applyPlan(plan([dir('/dev'), ...devs]), jail);
    expect(again.written).toBe(false);
  });

  it('sets numeric owners and modes as planned; setuid only when the plan keeps it', async () => {
    const st0 = (p: string) => lstatSync(path.join(jail, p));
    mkdirSync(src);
    const bin = path.join(src, 'tool');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o4755); // setuid on the source: copied bits come from the plan, not the host
    await applyPlan(
      plan([
        dir('/bin', 0o711, 4242, 4343),
        file('/bin/stripped', bin, 0o755),
        file('/bin/kept', bin, 0o4750, 0, 4343),
        // The source's own mode, another owner: the chown clears setuid, the mode is set again.
        file('/bin/theirs', bin, 0o4755, 4242, 0),
        // The source's own mode and root's: nothing to change after the copy.
        file('/bin/as-is', bin, 0o4755),
        gen('/owned', 'x', 0o640, 4242, 4343),
      ]),
      jail,
    );
    expect([st0('bin/theirs').uid, st0('bin/theirs').mode & 0o7777]).toEqual([4242, 0o4755]);
    expect([st0('bin/as-is').uid, st0('bin/as-is').gid, st0('bin/as-is').mode & 0o7777]).toEqual([
      0, 0, 0o4755,
    ]);
    const st = (p: string) => lstatSync(path.join(jail, p));
    expect(st('bin/stripped').mode & 0o7777).toBe(0o755);
    expect([st('bin/kept').mode & 0o7777, st('bin/kept').gid]).toEqual([0o4750, 4343]);
    expect([st('owned').uid, st('owned').gid, st('owned').mode & 0o7777]).toEqual([4242, 4343, 0o640]);
    expect([st('bin').uid, st('bin').gid, st('bin').mode & 0o7777]).toEqual([4242, 4343, 0o711]);
    expect(st('.').mode & 0o7777).toBe(0o755);
  });

  it("a setgid parent's group reaches nothing the plan gives to root, nor its setgid bit any directory", async () => {
    // DIR's parent hands its group (and, to directories, its setgid bit) to what is made in it.
    const parent = path.join(t, 'sgid');
    mkdirSync(parent);
    chownSync(parent, 0, 4444);
    chmodSync(parent, 0o2755);
    const j = path.join(parent, 'jail');
    mkdirSync(src);
    writeFileSync(path.join(src, 'f'), 'f\n');
    const p = plan([
      dir('/'),
      dir('/d'),
      file('/d/f', path.join(src, 'f')),
      { type: 'symlink', path: '/d/l', target: 'f', mode: 0o777, uid: 0, gid: 0 },
      { type: 'symlink', path: '/d/u', target: 'f', mode: 0o777, uid: 7, gid: 8 },
      gen('/g', 'g\n'),
    ]);
    await applyPlan(p, j);
    const st = (x: string) => lstatSync(path.join(j, x));
    for (const x of ['.', 'd', 'd/f', 'd/l', 'g']) expect([x, st(x).uid, st(x).gid]).toEqual([x, 0, 0]);
    expect([st('d/u').uid, st('d/u').gid]).toEqual([7, 8]);
    expect(st('d').mode & 0o7777).toBe(0o755);
    expect(st('.').mode & 0o7777).toBe(0o755);
    expect((await applyPlan(p, j)).written).toBe(false);
  });

  it('hard links and symlinks are made by name in the new tree', async () => {
    await applyPlan(
      plan([
        gen('/a', 'same\n'),
        { type: 'hardlink', path: '/b', target: '/a', mode: 0o644, uid: 0, gid: 0 },
        { type: 'symlink', path: '/c', target: '/etc/nowhere', mode: 0o777, uid: 7, gid: 8 },
      ]),
      jail,
    );
    expect(lstatSync(path.join(jail, 'b')).ino).toBe(lstatSync(path.join(jail, 'a')).ino);
    expect(lstatSync(path.join(jail, 'c')).uid).toBe(7);
    const r = await applyPlan(
      plan([
        gen('/a', 'same\n'),
        { type: 'hardlink', path: '/b', target: '/a', mode: 0o644, uid: 0, gid: 0 },
        { type: 'symlink', path: '/c', target: '/etc/nowhere', mode: 0o777, uid: 7, gid: 8 },
      ]),
      jail,
    );
    expect(r.written).toBe(false);
  });

  it('reports added, changed, removed and unchanged on a rebuild', async () => {
    const first = await applyPlan(basicPlan(src), jail);
    expect(first.added).toContain('/etc/passwd');
    expect(first.added).toEqual([...first.added].sort());
    const p2 = basicPlan(src, 'v2');
    p2.entries = p2.entries.filter((e) => e.path !== '/srv/data');
    p2.entries.push(gen('/etc/hosts', '127.0.0.1 localhost\n'));
    const tmp = p2.entries.find((e) => e.path === '/tmp');
    if (tmp) tmp.mode = 0o1770;
    const r = await applyPlan(p2, jail);
    expect(r.added).toEqual(['/etc/hosts']);
    expect(r.changed).toEqual(['/etc/version', '/tmp']);
    expect(r.removed).toEqual(['/srv/data']);
    expect(r.unchanged).toContain('/etc/passwd');
    expect(r.written).toBe(true);
    const noop = await applyPlan(p2, jail);
    expect([noop.added, noop.changed, noop.removed, noop.written]).toEqual([[], [], [], false]);
  });

  it('a no-op rebuild leaves DIR untouched (same inodes, same ctime)', async () => {
    await applyPlan(basicPlan(src), jail);
    const before = lstatSync(jail);
    const pw = lstatSync(path.join(jail, 'etc/passwd'));
    const r = await applyPlan(basicPlan(src), jail);
    expect(r.written).toBe(false);
    expect(lstatSync(jail).ino).toBe(before.ino);
    expect(lstatSync(jail).ctimeMs).toBe(before.ctimeMs);
    expect(lstatSync(path.join(jail, 'etc/passwd')).ctimeMs).toBe(pw.ctimeMs);
  });

  it('notices a file changed in place even with the same size', async () => {
    await applyPlan(basicPlan(src), jail);
    writeFileSync(path.join(jail, 'etc/version'), 'XX\n');
    const r = await applyPlan(basicPlan(src), jail);
    expect(r.changed).toEqual(['/etc/version']);
    expect(readFileSync(path.join(jail, 'etc/version'), 'utf8')).toBe('v1\n');
  });

  it('preserved directories survive rebuilds with their contents', async () => {
    await applyPlan(basicPlan(src), jail);
    mkdirSync(path.join(jail, 'home/jail/work'));
    writeFileSync(path.join(jail, 'home/jail/work/data.txt'), 'user data\n');
    chownSync(path.join(jail, 'home/jail/work/data.txt'), 1000, 1000);
    const r = await applyPlan(basicPlan(src, 'v2'), jail);
    expect(r.written).toBe(true);
    expect(r.removed).toEqual([]);
    expect(readFileSync(path.join(jail, 'home/jail/work/data.txt'), 'utf8')).toBe('user data\n');
    expect(lstatSync(path.join(jail, 'home/jail/work/data.txt')).uid).toBe(1000);
    expect(leftovers()).toEqual([]);
  });

  it('planned files inside a preserved directory give way to user data, and do not defeat the no-op', async () => {
    const p = basicPlan(src);
    p.entries.push(gen('/home/jail/.profile', 'planned\n', 0o644, 1000, 1000));
    await applyPlan(p, jail);
    writeFileSync(path.join(jail, 'home/jail/.profile'), 'edited by the user\n');
    const r = await applyPlan(p, jail);
    expect([r.added, r.changed, r.removed, r.written]).toEqual([[], [], [], false]);
    expect(readFileSync(path.join(jail, 'home/jail/.profile'), 'utf8')).toBe('edited by the user\n');
  });

  it('refuses to carry user data through a directory others can write, touching nothing', async () => {
    await applyPlan(basicPlan(src), jail);
    writeFileSync(path.join(jail, 'home/jail/mine'), 'keep\n');
    chmodSync(path.join(jail, 'home'), 0o777);
    const before = manifestOf(jail);
    await expect(applyPlan(basicPlan(src, 'v2'), jail)).rejects.toMatchObject({
      code: 'ROOT_PRESERVE_UNSAFE',
    });
    expect(manifestOf(jail)).toEqual(before);
    expect(leftovers()).toEqual([]);
  });

  it('from a source root other than /, a file whose path leads out of it through a link is refused', async () => {
    const root = path.join(t, 'srcroot');
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    writeFileSync(path.join(t, 'host-secret'), 'secret\n');
    symlinkSync(path.join(t, 'host-secret'), path.join(root, 'etc/leak'));
    const entry = { ...file('/etc/leak', path.join(t, 'host-secret')), source: path.join(root, 'etc/leak') };
    await expect(applyPlan(plan([entry], root), jail)).rejects.toMatchObject({ code: 'ROOT_SOURCE_ESCAPE' });
    expect(existsSync(jail)).toBe(false);
  });

  it('refuses an unsafe ancestor, naming it, unless overridden', async () => {
    const open = path.join(t, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const target = path.join(open, 'jail');
    await expect(applyPlan(basicPlan(src), target)).rejects.toMatchObject({
      code: 'ROOT_UNSAFE_ANCESTOR',
      path: open,
    });
    expect(readdirSync(open)).toEqual([]);
    const r = await applyPlan(basicPlan(src), target, { unsafeAncestors: true });
    expect(r.written).toBe(true);
    const owned = path.join(t, 'owned');
    mkdirSync(owned);
    chownSync(owned, 1000, 1000);
    await expect(applyPlan(basicPlan(src), path.join(owned, 'jail'))).rejects.toMatchObject({
      code: 'ROOT_UNSAFE_ANCESTOR',
      path: owned,
    });
    const sticky = path.join(t, 'sticky');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    expect((await applyPlan(basicPlan(src), path.join(sticky, 'jail'))).written).toBe(true);
  });

  it('follows ancestors through symlinks: a user-owned link on the way is refused', async () => {
    const sticky = path.join(t, 'sticky');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    const real = path.join(t, 'real');
    mkdirSync(real);
    symlinkSync(real, path.join(sticky, 'mine'));
    lchownSync(path.join(sticky, 'mine'), 1000, 1000);
    await expect(applyPlan(basicPlan(src), path.join(sticky, 'mine/jail'))).rejects.toMatchObject({
      code: 'ROOT_UNSAFE_ANCESTOR',
      path: path.join(sticky, 'mine'),
    });
    symlinkSync(real, path.join(sticky, 'roots'));
    expect((await applyPlan(basicPlan(src), path.join(sticky, 'roots/jail'))).written).toBe(true);
    expect(lstatSync(path.join(real, 'jail')).isDirectory()).toBe(true);
  });

  it('refuses a DIR that is a file, and bad plans, writing nothing', async () => {
    writeFileSync(path.join(t, 'afile'), 'x');
    await expect(applyPlan(basicPlan(src), path.join(t, 'afile'))).rejects.toMatchObject({
      code: 'ROOT_DIR_NOT_DIR',
    });
    await expect(applyPlan(plan([gen('/etc/../x', 'x')]), jail)).rejects.toMatchObject({
      code: 'ROOT_PATH_UNSAFE',
    });
    await expect(applyPlan(plan([gen('relative', 'x')]), jail)).rejects.toMatchObject({
      code: 'ROOT_PATH_RELATIVE',
    });
    await expect(applyPlan(plan([gen('/a', 'x'), gen('/a', 'y')]), jail)).rejects.toMatchObject({
      code: 'ROOT_PLAN_DUPLICATE',
    });
    await expect(
      applyPlan(
        plan([
          { type: 'symlink', path: '/lib', target: 'usr/lib', mode: 0o777, uid: 0, gid: 0 },
          gen('/lib/x', 'x'),
        ]),
        jail,
      ),
    ).rejects.toMatchObject({ code: 'ROOT_PARENT_NOT_DIR' });
    expect(existsSync(jail)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('refuses to rebuild a jail with something mounted inside', async () => {
    await applyPlan(basicPlan(src), jail);
    await execa('mount', ['-t', 'tmpfs', 'none', path.join(jail, 'tmp')]);
    try {
      await expect(applyPlan(basicPlan(src, 'v2'), jail)).rejects.toMatchObject({ code: 'ROOT_MOUNTED' });
    } finally {
      await execa('umount', [path.join(jail, 'tmp')]);
    }
  });
});
