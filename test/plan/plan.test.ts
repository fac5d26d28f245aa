import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JailError, SpecError } from '../../src/errors.js';
import { createPlan } from '../../src/plan/create-plan.js';
import type { JailPlan, PlanEntry } from '../../src/plan/types.js';
import { tmpDir } from '../helpers/tmp.js';
import { fakeResolver, makeRoot, spec } from './fake.js';

const ELF = '\x7fELF fake';

function byPath(plan: JailPlan): Map<string, PlanEntry> {
  return new Map(plan.entries.map((e) => [e.path, e]));
}

describe('createPlan with a fake resolver over a made-up root', () => {
  const base = tmpDir('plan-unit-');
  const root = makeRoot(path.join(base, 'root'), {
    '/bin': { link: 'usr/bin' },
    '/usr/bin/tool': { mode: 0o755, content: ELF },
    '/usr/bin/su': { mode: 0o4755, content: ELF },
    '/usr/bin/script': { mode: 0o755, content: '#!/bin/sh\n' },
    '/usr/lib/libfoo.so.1.2': ELF,
    '/usr/lib/libfoo.so.1': { link: 'libfoo.so.1.2' },
    '/usr/lib/libbar.so': ELF,
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nhostuser:x:1234:1234::/home/hostuser:/bin/bash\n',
    '/etc/group': 'root:x:0:\nhostgroup:x:1234:\n',
    '/opt/tree/a.txt': 'a',
    '/opt/tree/mod.so': ELF,
    '/opt/tree/sub/b.txt': 'b',
    '/opt/tree/__pycache__/x.pyc': 'c',
    '/opt/tree/link': { link: '../data/real.txt' },
    '/opt/tree/h1': 'same inode',
    '/opt/tree/h2': { hardlink: '/opt/tree/h1' },
    '/opt/data/real.txt': 'real',
    '/usr/lib/x86_64-linux-gnu/libnss_files.so.2': ELF,
  });
  const table = {
    '/usr/bin/tool': ['/usr/lib/libfoo.so.1', '/usr/lib/libfoo.so.1.2'],
    '/usr/bin/su': [],
    '/usr/bin/script': ['/usr/bin/tool'],
    '/opt/tree/mod.so': ['/usr/lib/libbar.so'],
    '/usr/lib/x86_64-linux-gnu/libnss_files.so.2': [],
  };

  it('finds binaries on PATH inside the root, brings closures and every link on the way', async () => {
    const { resolver, calls } = fakeResolver(root, table);
    const plan = await createPlan(await spec('binaries: [tool, /bin/script]\n', root), { resolver });
    const m = byPath(plan);
    expect(m.get('/usr/bin/tool')).toMatchObject({ type: 'file', mode: 0o755, uid: 0, gid: 0 });
    expect(m.get('/bin')).toEqual({
      type: 'symlink',
      path: '/bin',
      target: 'usr/bin',
      mode: 0o777,
      uid: 0,
      gid: 0,
      why: 'binaries: /bin/script',
    });
    expect(m.get('/usr/bin/script')).toMatchObject({
      type: 'file',
      source: path.join(root, 'usr/bin/script'),
    });
    expect(m.get('/usr/lib/libfoo.so.1')).toMatchObject({ type: 'symlink', target: 'libfoo.so.1.2' });
    expect(m.get('/usr/lib/libfoo.so.1.2')).toMatchObject({ type: 'file' });
    expect(calls).toContainEqual({ file: '/usr/bin/tool', lenient: false });
    // Closure members are not resolved again: the closure is already transitive.
    expect(calls.map((c) => c.file)).not.toContain('/usr/lib/libfoo.so.1.2');
  });

  it('a binary that cannot be found is a SpecError naming it (never skipped)', async () => {
    const { resolver } = fakeResolver(root, table);
    const s = await spec('binaries:\n  - tool\n  - nosuchprog\n', root);
    const err = await createPlan(s, { resolver }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).code).toBe('SPEC_BINARY_NOT_FOUND');
    expect((err as SpecError).message).toContain('"nosuchprog"');
    expect((err as SpecError).path).toMatch(/spec\.yaml:3:5$/);
  });

  it('strips setuid unless keep_setuid matches', async () => {
    const { resolver } = fakeResolver(root, table);
    const stripped = byPath(await createPlan(await spec('binaries: [/usr/bin/su]\n', root), { resolver }));
    expect(stripped.get('/usr/bin/su')?.mode).toBe(0o755);
    const kept = await createPlan(await spec('binaries: [/usr/bin/su]\nkeep_setuid: [/usr/bin/su]\n', root), {
      resolver,
    });
    expect(byPath(kept).get('/usr/bin/su')?.mode).toBe(0o4755);
    expect(kept.notes).toContain('kept setuid/setgid bits on /usr/bin/su');
  });

  it('trees: every file, ELF files resolved leniently, excludes honoured, links bring targets', async () => {
    const { resolver, calls } = fakeResolver(root, table);
    const plan = await createPlan(
      await spec('trees: [/opt/tree]\nexclude: ["**/__pycache__/**", "**/__pycache__"]\n', root),
      {
        resolver,
      },
    );
    const m = byPath(plan);
    expect(m.get('/opt/tree/sub/b.txt')).toMatchObject({ type: 'file', size: 1 });
    expect(m.has('/opt/tree/__pycache__')).toBe(false);
    expect(m.has('/opt/tree/__pycache__/x.pyc')).toBe(false);
    expect(m.get('/usr/lib/libbar.so')).toMatchObject({ type: 'file' });
    expect(calls).toContainEqual({ file: '/opt/tree/mod.so', lenient: true });
    expect(m.get('/opt/tree/link')).toMatchObject({ type: 'symlink', target: '../data/real.txt' });
    expect(m.get('/opt/data/real.txt')).toMatchObject({ type: 'file', size: 4 });
    expect(m.get('/opt/tree/h2')).toEqual({
      type: 'hardlink',
      path: '/opt/tree/h2',
      target: '/opt/tree/h1',
      mode: 0o644,
      uid: 0,
      gid: 0,
      why: 'trees: /opt/tree',
    });
  });

  it('hashes the source: sha256 and size of each copied file', async () => {
    const { resolver } = fakeResolver(root, table);
    const plan = await createPlan(await spec('files: [/opt/data/real.txt]\n', root), { resolver });
    const f = byPath(plan).get('/opt/data/real.txt');
    expect(f).toMatchObject({ size: 4, sha256: createHash('sha256').update('real').digest('hex') });
  });

  it('entries are sorted bytewise, parents first, as 0755 root dirs', async () => {
    const { resolver } = fakeResolver(root, table);
    const plan = await createPlan(await spec('trees: [/opt/tree]\nfiles: [/opt/data/real.txt]\n', root), {
      resolver,
    });
    const paths = plan.entries.map((e) => e.path);
    expect(paths).toEqual([...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    expect(new Set(paths).size).toBe(paths.length);
    for (const p of paths.filter((x) => x !== '/')) expect(paths).toContain(path.posix.dirname(p));
    expect(byPath(plan).get('/opt')).toEqual({
      type: 'dir',
      path: '/opt',
      mode: 0o755,
      uid: 0,
      gid: 0,
      why: expect.stringMatching(/^parent of \/opt\//),
    });
  });

  it("generated passwd/group/shadow hold the spec's accounts and root, never the host's lines", async () => {
    const { resolver } = fakeResolver(root, table);
    const s = await spec(
      'files: [/etc/passwd]\nusers: [{name: app, uid: 1000, shell: /bin/sh}]\ngroups: [{name: staff, gid: 50, members: [app]}]\n',
      root,
    );
    const m = byPath(await createPlan(s, { resolver }));
    const passwd = m.get('/etc/passwd');
    expect(passwd?.type).toBe('generated');
    const text = passwd?.type === 'generated' ? passwd.content : '';
    expect(text).toBe('root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n');
    expect(text).not.toContain('hostuser');
    const group = m.get('/etc/group');
    expect(group?.type === 'generated' && group.content).toBe('root:x:0:\nstaff:x:50:app\napp:x:1000:\n');
    const shadow = m.get('/etc/shadow');
    expect(shadow).toMatchObject({ type: 'generated', mode: 0o600, uid: 0, gid: 0 });
    for (const line of (shadow?.type === 'generated' ? shadow.content : '').trim().split('\n')) {
      expect(line.split(':')[1]).toMatch(/^[*!]$/);
    }
    expect(m.get('/home/app')).toEqual({
      type: 'dir',
      path: '/home/app',
      mode: 0o700,
      uid: 1000,
      gid: 1000,
      preserve: true,
      why: 'home of app',
    });
  });

  it('devices: standard names are char 1,3 / 1,5 / 1,7 / 1,8 / 1,9 / 5,0, mode 0666', async () => {
    const { resolver } = fakeResolver(root, table);
    const plan = await createPlan(await spec('devices: [null, zero, full, random, urandom, tty]\n', root), {
      resolver,
    });
    const devs = plan.entries.filter((e) => e.type === 'device');
    expect(devs.map((d) => (d.type === 'device' ? [d.path, d.major, d.minor, d.mode] : []))).toEqual([
      ['/dev/full', 1, 7, 0o666],
      ['/dev/null', 1, 3, 0o666],
      ['/dev/random', 1, 8, 0o666],
      ['/dev/tty', 5, 0, 0o666],
      ['/dev/urandom', 1, 9, 0o666],
      ['/dev/zero', 1, 5, 0o666],
    ]);
  });

  it('dirs resolve user and group names to numbers', async () => {
    const { resolver } = fakeResolver(root, table);
    const s = await spec(
      'users: [{name: app, uid: 1000}]\ndirs: [{path: /srv, owner: app, group: app, mode: "0750", preserve: true}]\n',
      root,
    );
    expect(byPath(await createPlan(s, { resolver })).get('/srv')).toEqual({
      type: 'dir',
      path: '/srv',
      mode: 0o750,
      uid: 1000,
      gid: 1000,
      preserve: true,
      why: 'dirs: /srv',
    });
  });

  it('nss-files profile: the module from the root, an nsswitch.conf naming files', async () => {
    const { resolver } = fakeResolver(root, table);
    const m = byPath(await createPlan(await spec('profiles: [nss-files]\n', root), { resolver }));
    expect(m.get('/usr/lib/x86_64-linux-gnu/libnss_files.so.2')?.type).toBe('file');
    const ns = m.get('/etc/nsswitch.conf');
    expect(ns?.type === 'generated' && ns.content).toMatch(/^passwd: +files$/m);
  });

  it('a profile none of whose alternatives exist is an error naming it', async () => {
    const { resolver } = fakeResolver(root, table);
    const err = await createPlan(await spec('profiles: [ca-certificates]\n', root), { resolver }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(SpecError);
    expect(err.message).toMatch(/^profile ca-certificates: CA bundle is not in the source root/);
  });

  it('a path planned twice with different content is a conflict', async () => {
    const { resolver } = fakeResolver(root, table);
    const s = await spec(
      'files: [/opt/data/real.txt]\nsymlinks: [{path: /opt/data/real.txt, target: /x}]\ndevices: [{path: /opt/data/real.txt, type: c, major: 1, minor: 3}]\n',
      root,
    );
    const err = await createPlan(s, { resolver }).catch((e) => e);
    expect(err).toBeInstanceOf(JailError);
    expect(err.code).toBe('PLAN_CONFLICT');
  });

  it('nothing may be planned below a path the jail holds as a symlink', async () => {
    const { resolver } = fakeResolver(root, table);
    const s = await spec('binaries: [/bin/tool]\ndirs: [/bin/sub]\n', root);
    const err = await createPlan(s, { resolver }).catch((e) => e);
    expect(err.code).toBe('PLAN_CONFLICT');
    expect(err.message).toContain('/bin/sub lies under /bin, which the jail holds as a symlink to usr/bin');
  });

  it('reads only the source root: the plan is deterministic and JSON round-trips', async () => {
    const { resolver } = fakeResolver(root, table);
    const s = await spec('binaries: [tool]\ntrees: [/opt/tree]\nusers: [{name: app, uid: 1000}]\n', root);
    const a = await createPlan(s, { resolver });
    const b = await createPlan(s, { resolver });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    expect(readFileSync(path.join(root, 'etc/passwd'), 'utf8')).toContain('hostuser');
  });
});

describe('createPlan keys and options', () => {
  const base = tmpDir('plan-keys-');
  const root = makeRoot(path.join(base, 'root'), {
    '/usr/bin/tool': { mode: 0o755, content: ELF },
    '/usr/share/doc/tool/README': 'doc',
    '/usr/share/tool/data.txt': 'data',
    '/etc/app.conf': 'conf',
  });
  const table = { '/usr/bin/tool': [] };

  it('packages without a packages collector is refused, not silently dropped', async () => {
    const { resolver } = fakeResolver(root, table);
    const err = await createPlan(await spec('packages: [coreutils]\n', root), {
      resolver,
      collectors: [],
    }).catch((e) => e);
    expect(err.code).toBe('PLAN_UNSUPPORTED');
  });

  it('docs are left out of trees unless docs: true', async () => {
    const { resolver } = fakeResolver(root, table);
    const without = byPath(await createPlan(await spec('trees: [/usr/share]\n', root), { resolver }));
    expect(without.has('/usr/share/doc/tool/README')).toBe(false);
    expect(without.has('/usr/share/tool/data.txt')).toBe(true);
    const withDocs = byPath(
      await createPlan(await spec('trees: [/usr/share]\ndocs: true\n', root), { resolver }),
    );
    expect(withDocs.has('/usr/share/doc/tool/README')).toBe(true);
  });

  it('files may be renamed, re-moded and owned by a spec user', async () => {
    const { resolver } = fakeResolver(root, table);
    const s = await spec(
      'users: [{name: app, uid: 1000}]\nfiles: [{path: /home/app/app.conf, from: /etc/app.conf, mode: "0600", owner: app, group: app}]\n',
      root,
    );
    expect(byPath(await createPlan(s, { resolver })).get('/home/app/app.conf')).toMatchObject({
      type: 'file',
      source: path.join(root, 'etc/app.conf'),
      mode: 0o600,
      uid: 1000,
      gid: 1000,
    });
  });

  it('a file given as a directory, and a missing tree, are errors naming the spec line', async () => {
    const { resolver } = fakeResolver(root, table);
    const dirErr = await createPlan(await spec('files: [/usr/share]\n', root), { resolver }).catch((e) => e);
    expect(dirErr.code).toBe('SPEC_NOT_A_FILE');
    expect(dirErr.path).toMatch(/spec\.yaml:1:9$/);
    const treeErr = await createPlan(await spec('trees: [/nope]\n', root), { resolver }).catch((e) => e);
    expect(treeErr.code).toBe('SPEC_TREE_NOT_FOUND');
  });
});

describe('links in the source root', () => {
  const base = tmpDir('plan-links-');
  const outside = makeRoot(path.join(base, 'host'), { '/etc/secret': 'host secret' });
  const root = makeRoot(path.join(base, 'root'), {
    '/usr/share/t/ok': 'ok',
    '/usr/share/t/dangling': { link: '/nowhere/at/all' },
    '/usr/share/t/abs': { link: '/etc/motd' },
    '/usr/share/t/escape': { link: `../../../../../../..${outside}/etc/secret` },
    '/etc/motd': 'root motd',
  });

  it('a dangling link in a tree is kept with a note; absolute and climbing links resolve inside the root', async () => {
    const { resolver } = fakeResolver(root, {});
    const plan = await createPlan(await spec('trees: [/usr/share/t]\n', root), { resolver });
    // The climbing link names a path that exists only on the host: inside the root it is dangling.
    const m = byPath(plan);
    expect(m.get('/usr/share/t/dangling')).toMatchObject({ type: 'symlink', target: '/nowhere/at/all' });
    expect(plan.notes).toContain(
      '/usr/share/t/dangling is a dangling symlink in the source root; copied as it is',
    );
    expect(m.get('/etc/motd')).toMatchObject({ type: 'file', source: path.join(root, 'etc/motd') });
    expect(m.get('/usr/share/t/escape')?.type).toBe('symlink');
    for (const e of plan.entries) {
      if (e.type === 'file') expect(e.source.startsWith(`${root}/`), e.source).toBe(true);
    }
  });

  it('a dangling link named directly under files is an error', async () => {
    const { resolver } = fakeResolver(root, {});
    const err = await createPlan(await spec('files: [/usr/share/t/dangling]\n', root), { resolver }).catch(
      (e) => e,
    );
    expect(err.code).toBe('SPEC_FILE_NOT_FOUND');
  });
});

describe('who wins a clash', () => {
  const base = tmpDir('plan-rank-');
  const root = makeRoot(path.join(base, 'root'), {
    '/usr/lib/x86_64-linux-gnu/libnss_files.so.2': ELF,
    '/etc/hosts': '10.0.0.1 host-only-name\n',
  });

  it("the spec's own /etc/hosts beats the profile's, which beats the host's copy", async () => {
    const { resolver } = fakeResolver(root, {});
    const plan = async (yaml: string) =>
      byPath(await createPlan(await spec(yaml, root), { resolver })).get('/etc/hosts');
    // Named under files: the spec states it, so the copy wins over the profile's default.
    expect(await plan('profiles: [nss-files]\nfiles: [/etc/hosts]\n')).toMatchObject({
      type: 'file',
      source: path.join(root, 'etc/hosts'),
    });
    // Merely inside a copied tree: the profile's generated file wins.
    const fromTree = await plan('profiles: [nss-files]\ntrees: [/etc]\n');
    expect(fromTree?.type).toBe('generated');
    expect(fromTree?.type === 'generated' && fromTree.content).not.toContain('host-only-name');
    const own = await plan(
      'profiles: [nss-files]\nfiles: [{path: /etc/hosts, content: "127.0.0.1 mine\\n"}]\n',
    );
    expect(own?.type === 'generated' && own.content).toBe('127.0.0.1 mine\n');
  });
});
