import { describe, expect, it } from 'vitest';
import { completeEntries } from '../../src/build/expected.js';
import { parsePlanText } from '../../src/plan/plan-file.js';
import { checkJailPath } from '../../src/root/jail-path.js';
import { dir, gen } from '../root/plans.js';

describe('checkJailPath', () => {
  it.each(['/', '/etc', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/a b/c', '/...', '/.a/..b/c.', '/a/...'])(
    'accepts %s',
    (p) => {
      expect(checkJailPath(p)).toBe(p);
    },
  );
  it.each([
    ['etc', 'ROOT_PATH_RELATIVE'],
    ['', 'ROOT_PATH_RELATIVE'],
    ['/etc/..', 'ROOT_PATH_UNSAFE'],
    ['/../etc', 'ROOT_PATH_UNSAFE'],
    ['/etc/./passwd', 'ROOT_PATH_UNSAFE'],
    ['/etc//passwd', 'ROOT_PATH_UNSAFE'],
    ['/etc/', 'ROOT_PATH_UNSAFE'],
    ['//', 'ROOT_PATH_UNSAFE'],
    ['/.', 'ROOT_PATH_UNSAFE'],
    ['/..', 'ROOT_PATH_UNSAFE'],
    ['/a/.', 'ROOT_PATH_UNSAFE'],
    ['/etc/\0', 'ROOT_PATH_NUL'],
  ])('refuses %j with %s', (p, code) => {
    expect(() => checkJailPath(p)).toThrow(expect.objectContaining({ code, path: p }));
  });
});

describe('completeEntries', () => {
  it('adds the root and parents the plan left out, root-owned 0755, parents first', () => {
    const out = completeEntries([gen('/usr/lib/x', 'x'), dir('/etc', 0o700)]);
    expect(out.map((e) => [e.path, e.type, e.mode])).toEqual([
      ['/', 'dir', 0o755],
      ['/usr', 'dir', 0o755],
      ['/usr/lib', 'dir', 0o755],
      ['/usr/lib/x', 'generated', 0o644],
      ['/etc', 'dir', 0o700],
    ]);
  });
  it('keeps a planned root and refuses a path planned twice', () => {
    expect(completeEntries([dir('/', 0o711)])).toEqual([dir('/', 0o711)]);
    expect(() => completeEntries([gen('/a', '1'), gen('/a', '2')])).toThrow(
      expect.objectContaining({ code: 'ROOT_PLAN_DUPLICATE' }),
    );
  });
});

describe('parsePlanText', () => {
  it('recognises a saved plan and leaves YAML alone', () => {
    const plan = {
      format: 1,
      name: 'x',
      source: '/',
      entries: [dir('/etc')],
      notes: [],
      run: {},
      audit: { allow: [] },
    };
    expect(parsePlanText(JSON.stringify(plan), 'p.json')?.entries).toHaveLength(1);
    expect(parsePlanText('name: x\nbinaries: [sh]\n', 's.yaml')).toBeNull();
    expect(parsePlanText('{name: x}', 's.yaml')).toBeNull();
  });
  it('names the bad field of a hand-edited plan', () => {
    const bad = JSON.stringify({
      format: 1,
      entries: [{ type: 'dir', path: '/x', mode: -1, uid: 0, gid: 0 }],
    });
    expect(() => parsePlanText(bad, 'p.json')).toThrow(/entries\[0\]\.mode/);
    expect(() => parsePlanText(JSON.stringify({ format: 2, entries: [] }), 'p.json')).toThrow(/format 2/);
  });
});
