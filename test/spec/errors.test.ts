import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { specFailure, writeSpecs } from './helpers.js';

describe('spec errors name file, line, column, key and what was expected', () => {
  const dir = tmpDir('spec-errors-');
  let n = 0;
  const fail = (text: string) => specFailure(writeSpecs(dir, { [`s${++n}.yaml`]: text }));
  const where = (file: number, line: number, col: number) =>
    `${path.join(dir, `s${file}.yaml`)}:${line}:${col}`;

  it('malformed YAML: SPEC_YAML with the line and column of the fault', async () => {
    const e = await fail('name: ok\nbinaries: [sh, ls\nfiles: []\n');
    expect(e.code).toBe('SPEC_YAML');
    expect(e.path).toMatch(new RegExp(`^${where(n, 0, 0).replace(/:0:0$/, '')}:\\d+:\\d+$`));
    expect(e.details.line).toBeGreaterThanOrEqual(2);
    expect(e.message).toMatch(/malformed YAML/);
  });

  it('a tab-indented or duplicate key is a YAML error at its position', async () => {
    const e = await fail('name: a\nname: b\n');
    expect(e.code).toBe('SPEC_YAML');
    expect(e.path).toBe(where(n, 2, 1));
  });

  it('unknown top-level key: SPEC_UNKNOWN_KEY suggesting the nearest valid key', async () => {
    const e = await fail('name: x\nbinarys: [sh]\n');
    expect(e.code).toBe('SPEC_UNKNOWN_KEY');
    expect(e.message).toBe('unknown key "binarys"; did you mean "binaries"?');
    expect(e.path).toBe(where(n, 2, 1));
    expect(e.details.key).toBe('binarys');
  });

  it('camelCase spelling of a snake_case key suggests the snake_case one', async () => {
    const e = await fail('keepSetuid: [/usr/bin/passwd]\n');
    expect(e.message).toContain('did you mean "keep_setuid"?');
  });

  it('unknown nested key: names the item and suggests', async () => {
    const e = await fail('users:\n  - name: app\n    uid: 1000\n    hom: /home/app\n');
    expect(e.code).toBe('SPEC_UNKNOWN_KEY');
    expect(e.message).toBe('users[0]: unknown key "hom"; did you mean "home"?');
    expect(e.path).toBe(where(n, 4, 5));
  });

  it('a key far from every valid key lists the valid ones in the hint', async () => {
    const e = await fail('zzzzzzzzzz: 1\n');
    expect(e.message).toBe('unknown key "zzzzzzzzzz"');
    expect(e.hint).toContain('binaries');
  });

  it('wrong type: SPEC_TYPE naming the key, the expected type and the value', async () => {
    const e = await fail('users:\n  - name: app\n    uid: "x"\n');
    expect(e.code).toBe('SPEC_TYPE');
    expect(e.message).toBe('users[0].uid: expected an integer, got the string "x"');
    expect(e.path).toBe(where(n, 3, 10));
    expect(e.details.expected).toBe('an integer');
  });

  it('an unquoted `true` in a list of names is caught as a boolean', async () => {
    const e = await fail('binaries:\n  - sh\n  - true\n');
    expect(e.message).toBe('binaries[1]: expected a string, got boolean true');
  });

  it('a missing required key: SPEC_REQUIRED', async () => {
    const e = await fail('users:\n  - name: app\n');
    expect(e.code).toBe('SPEC_REQUIRED');
    expect(e.message).toBe('users[0]: missing required key "uid"');
    expect(e.path).toBe(where(n, 2, 5));
  });

  it('a spec that is not a map', async () => {
    const e = await fail('- a\n- b\n');
    expect(e.code).toBe('SPEC_TYPE');
    expect(e.message).toMatch(/a spec must be a map/);
  });

  it('enum values suggest the nearest one', async () => {
    const e = await fail('devices:\n  - {path: /dev/x, type: chr, major: 1, minor: 3}\n');
    expect(e.code).toBe('SPEC_VALUE');
    expect(e.message).toContain('did you mean "char"?');
    expect(e.path).toBe(where(n, 2, 26));
  });

  it('unknown standard device name suggests the nearest', async () => {
    const e = await fail('devices: [nul]\n');
    expect(e.message).toBe('devices[0]: unknown device "nul"; did you mean "null"?');
    expect(e.path).toBe(where(n, 1, 11));
  });

  it('unknown profile suggests the nearest shipped one', async () => {
    const e = await fail('profiles: [nss-file]\n');
    expect(e.code).toBe('SPEC_PROFILE');
    expect(e.message).toContain('did you mean "nss-files"?');
    expect(e.path).toBe(where(n, 1, 12));
  });

  it('a dir owned by a user the spec does not define', async () => {
    const e = await fail('dirs:\n  - {path: /home/x, owner: nobody}\n');
    expect(e.code).toBe('SPEC_UNKNOWN_USER');
    expect(e.path).toBe(where(n, 2, 28));
  });

  it('a missing spec file: SPEC_NOT_FOUND naming it', async () => {
    const e = await specFailure(path.join(dir, 'nope.yaml'));
    expect(e.code).toBe('SPEC_NOT_FOUND');
    expect(e.path).toBe(path.join(dir, 'nope.yaml'));
  });
});
