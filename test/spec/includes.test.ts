import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load.js';
import { tmpDir } from '../helpers/tmp.js';
import { specFailure, writeSpecs } from './helpers.js';

describe('include', () => {
  const dir = tmpDir('spec-include-');

  it('merges: lists concatenated and de-duplicated, maps merged, later wins', async () => {
    const top = writeSpecs(dir, {
      'top.yaml': [
        'include: [parts/base.yaml, extra.yaml]',
        'name: top',
        'binaries: [bash, ls]',
        'users: [{name: app, uid: 1001}]',
        'run: {env: {A: top}, net: none}',
        '',
      ].join('\n'),
      'parts/base.yaml': [
        'name: base',
        'source: ../srcroot',
        'binaries: [sh, bash]',
        'users: [{name: app, uid: 1000}, {name: db, uid: 1002}]',
        'run: {env: {A: base, B: base}, net: host}',
        '',
      ].join('\n'),
      'extra.yaml': 'binaries: [ls, cat]\nrun: {env: {C: extra}}\nprofiles: nss-files\n',
    });
    const spec = await loadSpec(top);
    expect(spec.name).toBe('top');
    expect(spec.binaries).toEqual(['sh', 'bash', 'ls', 'cat']);
    expect(spec.users.map((u) => [u.name, u.uid])).toEqual([
      ['app', 1001],
      ['db', 1002],
    ]);
    expect(spec.run).toEqual({ env: { A: 'top', B: 'base', C: 'extra' }, net: 'none' });
    expect(spec.profiles).toEqual(['nss-files']);
    // A relative source is taken from the file that states it.
    expect(spec.source).toBe(path.join(dir, 'srcroot'));
    expect(spec.origin).toEqual([top, path.join(dir, 'parts/base.yaml'), path.join(dir, 'extra.yaml')]);
  });

  it('keyed lists merge by path or name (later wins), audit allow-lists concatenate', async () => {
    const top = writeSpecs(dir, {
      'k-top.yaml': [
        'include: [k-base.yaml]',
        'dirs: [{path: /tmp, mode: "1777"}]',
        'devices: [{path: /dev/null, type: c, major: 1, minor: 3, mode: "0600"}]',
        'audit: {allow: [B, A]}',
        'groups: [{name: staff, gid: 51}]',
        '',
      ].join('\n'),
      'k-base.yaml':
        'dirs: [/tmp, /srv]\ndevices: [null, zero]\naudit: {allow: [A]}\ngroups: [{name: staff, gid: 50}]\n',
    });
    const spec = await loadSpec(top);
    expect(spec.dirs.map((d) => [d.path, d.mode])).toEqual([
      ['/tmp', 0o1777],
      ['/srv', 0o755],
    ]);
    expect(spec.devices.map((d) => [d.path, d.mode])).toEqual([
      ['/dev/null', 0o600],
      ['/dev/zero', 0o666],
    ]);
    expect(spec.audit.allow).toEqual(['A', 'B']);
    expect(spec.groups).toEqual([{ name: 'staff', gid: 51, members: [] }]);
  });

  it('reports a cycle with the whole cycle, at the include that closes it', async () => {
    const a = writeSpecs(dir, {
      'a.yaml': 'include: b.yaml\n',
      'b.yaml': 'binaries: [sh]\ninclude: [c.yaml]\n',
      'c.yaml': 'include: [a.yaml]\n',
    });
    const e = await specFailure(a);
    expect(e.code).toBe('SPEC_INCLUDE_CYCLE');
    expect(e.message).toBe('include[0]: include cycle: a.yaml → b.yaml → c.yaml → a.yaml');
    expect(e.path).toBe(`${path.join(dir, 'c.yaml')}:1:11`);
  });

  it('a spec including itself is a cycle', async () => {
    const e = await specFailure(writeSpecs(dir, { 'self.yaml': 'include: self.yaml\n' }));
    expect(e.message).toBe('include: include cycle: self.yaml → self.yaml');
  });

  it('the same file included twice along different branches is not a cycle', async () => {
    const top = writeSpecs(dir, {
      'd1.yaml': 'include: [d2.yaml, d3.yaml]\n',
      'd2.yaml': 'include: [d4.yaml]\n',
      'd3.yaml': 'include: [d4.yaml]\n',
      'd4.yaml': 'binaries: [sh]\n',
    });
    expect((await loadSpec(top)).binaries).toEqual(['sh']);
  });

  it('a missing include is SPEC_NOT_FOUND at the include line', async () => {
    const e = await specFailure(writeSpecs(dir, { 'mi.yaml': 'name: x\ninclude:\n  - gone.yaml\n' }));
    expect(e.code).toBe('SPEC_NOT_FOUND');
    expect(e.message).toContain('gone.yaml does not exist');
    expect(e.path).toBe(`${path.join(dir, 'mi.yaml')}:3:5`);
  });

  it('an error inside an included file names that file', async () => {
    const e = await specFailure(
      writeSpecs(dir, { 'ok.yaml': 'include: [bad.yaml]\n', 'bad.yaml': '\nfilez: []\n' }),
    );
    expect(e.code).toBe('SPEC_UNKNOWN_KEY');
    expect(e.path).toBe(`${path.join(dir, 'bad.yaml')}:2:1`);
  });

  it('--root overrides the source of every file', async () => {
    const f = writeSpecs(dir, { 'src.yaml': 'source: /nonexistent\n' });
    expect((await loadSpec(f, { root: '/tmp' })).source).toBe('/tmp');
  });
});
