import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load.js';
import { tmpDir } from '../helpers/tmp.js';
import { specFailure, writeSpecs } from './helpers.js';

describe('modes: octal strings and numbers, never the decimal trap', () => {
  const dir = tmpDir('spec-modes-');
  let n = 0;
  const file = (text: string) => writeSpecs(dir, { [`m${++n}.yaml`]: text });

  it('accepts "0755", "1777" and 0o700', async () => {
    const spec = await loadSpec(
      file(
        'dirs:\n  - {path: /a, mode: "0755"}\n  - {path: /tmp, mode: "1777"}\n  - {path: /b, mode: 0o700}\n',
      ),
    );
    expect(spec.dirs.map((d) => d.mode)).toEqual([0o755, 0o1777, 0o700]);
  });

  it('refuses 755 as a number, suggesting "0755"', async () => {
    const e = await specFailure(file('dirs:\n  - path: /a\n    mode: 755\n'));
    expect(e.code).toBe('SPEC_MODE');
    expect(e.message).toBe('dirs[0].mode: mode 755 is a decimal number (= 01363 octal)');
    expect(e.hint).toBe('quote it as an octal string: "0755"');
    expect(e.path).toBe(`${path.join(dir, `m${n}.yaml`)}:3:11`);
  });

  it('refuses 1777 as a number on a device and a file too', async () => {
    expect((await specFailure(file('files:\n  - {path: /x, content: hi, mode: 644}\n'))).hint).toContain(
      '"0644"',
    );
    expect((await specFailure(file('dirs: [{path: /tmp, mode: 1777}]\n'))).hint).toContain('"1777"');
  });

  it('a mode string that is not octal is a value error', async () => {
    const e = await specFailure(file('dirs: [{path: /a, mode: "0789"}]\n'));
    expect(e.code).toBe('SPEC_VALUE');
    expect(e.message).toContain('octal mode string');
  });
});

describe("paths: absolute, no '..', never out of the root", () => {
  const dir = tmpDir('spec-paths-');
  let n = 0;
  const file = (text: string) => writeSpecs(dir, { [`p${++n}.yaml`]: text });

  it.each([
    ['files: [/etc/../../etc/shadow]\n', 'files[0]', 1, 9],
    ['trees:\n  - /usr/lib/../../root\n', 'trees[0]', 2, 5],
    ['binaries: [/usr/bin/../../bin/sh]\n', 'binaries[0]', 1, 12],
    ['dirs: [{path: /home/../.., mode: "0755"}]\n', 'dirs[0].path', 1, 15],
    ['files: [{path: /x, from: /etc/../shadow}]\n', 'files[0].from', 1, 26],
    ['users: [{name: a, uid: 1, home: /home/..}]\n', 'users[0].home', 1, 33],
  ])("refuses '..' in %j", async (text, key, line, col) => {
    const e = await specFailure(file(text));
    expect(e.code).toBe('SPEC_PATH');
    expect(e.message).toMatch(new RegExp(`^${key.replace(/[[\].]/g, '\\$&')}: .*contains '\\.\\.'`));
    expect(e.path).toBe(`${path.join(dir, `p${n}.yaml`)}:${line}:${col}`);
  });

  it('refuses relative jail paths with a hint', async () => {
    const e = await specFailure(file('files: [etc/hosts]\n'));
    expect(e.code).toBe('SPEC_PATH');
    expect(e.message).toContain('must be absolute');
    expect(e.hint).toBe('write "/etc/hosts"');
  });

  it('refuses a symlink whose relative target climbs above the root', async () => {
    const e = await specFailure(file('symlinks:\n  - {path: /a/b, target: ../../../etc/passwd}\n'));
    expect(e.code).toBe('SPEC_PATH');
    expect(e.message).toContain('escapes the jail root');
  });

  it('accepts a relative target that stays inside', async () => {
    const spec = await loadSpec(file('symlinks:\n  - {path: /usr/bin/py, target: ../lib/python3/py}\n'));
    expect(spec.symlinks).toEqual([{ path: '/usr/bin/py', target: '../lib/python3/py' }]);
  });

  it('refuses exclude globs with .. or without a leading / or **', async () => {
    expect((await specFailure(file('exclude: ["/usr/../x"]\n'))).code).toBe('SPEC_PATH');
    expect((await specFailure(file('exclude: ["usr/*"]\n'))).code).toBe('SPEC_PATH');
  });

  it('normalises doubled and trailing slashes', async () => {
    const spec = await loadSpec(file('trees: [/usr//share/zoneinfo/]\n'));
    expect(spec.trees).toEqual(['/usr/share/zoneinfo']);
  });
});
