import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load.js';
import { SCHEMA_PATH } from '../../src/spec/validate.js';
import { tmpDir } from '../helpers/tmp.js';
import { writeSpecs } from './helpers.js';

describe('a valid spec is normalised', () => {
  const dir = tmpDir('spec-norm-');

  it('fills defaults, maps snake_case keys and standard devices', async () => {
    const f = writeSpecs(dir, {
      'jail.yaml': [
        'binaries: sh',
        'keep_setuid: [/usr/bin/su]',
        'files: [/etc/hosts, {path: /etc/motd, content: "hi\\n"}]',
        'users: [{name: app, uid: 1000}]',
        'devices: [null, tty, {path: /dev/sda, type: b, major: 8, minor: 0, mode: "0600"}]',
        'dirs: [/srv]',
        'trace: ["python3 -c 1", [/bin/true], {command: [/bin/ls], shell: false}]',
        '',
      ].join('\n'),
    });
    const spec = await loadSpec(f);
    expect(spec.name).toBe('jail');
    expect(spec.source).toBe('/');
    expect(spec.binaries).toEqual(['sh']);
    expect(spec.keepSetuid).toEqual(['/usr/bin/su']);
    expect(spec.files).toEqual([{ path: '/etc/hosts' }, { path: '/etc/motd', content: 'hi\n' }]);
    expect(spec.users).toEqual([
      { name: 'app', uid: 1000, gid: 1000, home: '/home/app', shell: '/bin/sh', gecos: '' },
    ]);
    expect(spec.groups).toEqual([{ name: 'app', gid: 1000, members: [] }]);
    expect(spec.devices).toEqual([
      { path: '/dev/null', type: 'char', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
      { path: '/dev/tty', type: 'char', major: 5, minor: 0, mode: 0o666, uid: 0, gid: 0 },
      { path: '/dev/sda', type: 'block', major: 8, minor: 0, mode: 0o600, uid: 0, gid: 0 },
    ]);
    expect(spec.dirs).toEqual([{ path: '/srv', mode: 0o755, owner: 0, group: 0, preserve: false }]);
    expect(spec.trace).toEqual([
      { command: ['python3', '-c', '1'], shell: false },
      { command: ['/bin/true'], shell: false },
      { command: ['/bin/ls'], shell: false },
    ]);
    expect(spec.where?.['binaries:sh']).toBe(`${f}:1:11`);
  });

  it('devices accept any major/minor the kernel does (minor ≥ 256)', async () => {
    const f = writeSpecs(dir, {
      'dev.yaml': 'devices: [{path: /dev/x, type: char, major: 511, minor: 70000}]\n',
    });
    expect((await loadSpec(f)).devices[0]).toMatchObject({ major: 511, minor: 70000 });
  });

  it('the shipped schema describes every key (for editor completion) and closes every map', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    const missing: string[] = [];
    const visit = (node: Record<string, unknown>, at: string) => {
      const props = node.properties as Record<string, Record<string, unknown>> | undefined;
      if (props) {
        if (node.additionalProperties !== false) missing.push(`${at}: additionalProperties`);
        for (const [k, v] of Object.entries(props)) {
          if (typeof v.description !== 'string') missing.push(`${at}.${k}: description`);
          visit(v, `${at}.${k}`);
        }
      }
      if (node.items && typeof node.items === 'object')
        visit(node.items as Record<string, unknown>, `${at}[]`);
    };
    visit(schema, '$');
    expect(missing).toEqual([]);
    for (const k of [
      'name',
      'source',
      'include',
      'binaries',
      'files',
      'trees',
      'exclude',
      'profiles',
      'packages',
      'dependencies',
      'docs',
      'users',
      'groups',
      'devices',
      'dirs',
      'symlinks',
      'trace',
      'keep_setuid',
      'run',
      'audit',
    ]) {
      expect(schema.properties[k], k).toBeDefined();
    }
  });
});

describe('validation reads only spec files', () => {
  const dir = tmpDir('spec-noio-');
  it('a spec whose source root does not exist still loads (the root is first touched by the plan)', async () => {
    const f = writeSpecs(dir, {
      'far.yaml': 'source: /nonexistent/root\nbinaries: [sh]\ntrees: [/usr/share/zoneinfo]\n',
    });
    const spec = await loadSpec(f);
    expect(spec.source).toBe('/nonexistent/root');
    expect(spec.binaries).toEqual(['sh']);
  });
});
