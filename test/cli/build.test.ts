import { chmodSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { gen, plan } from '../root/plans.js';

/** One error line (other modules may add a `hint:` line after it), no stack trace. */
function expectOneLine(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines[0]).toMatch(/^jailsmith: \S/);
  expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
  expect(lines.length).toBeLessThanOrEqual(2);
}
describeAsRoot('jailsmith build and manifest', () => {
  const t = tmpDir('jailsmith-cli-build-');
  const good = path.join(t, 'good.json');
  writeFileSync(good, JSON.stringify(plan([gen('/etc/motd', 'hi\n')])));

  const bad: [string, () => string[]][] = [
    ['a missing spec file', () => ['build', path.join(t, 'nope.yaml'), path.join(t, 'j1')]],
    [
      'a plan with a bad entry type',
      () => {
        const f = path.join(t, 'badtype.json');
        writeFileSync(
          f,
          JSON.stringify({ format: 1, entries: [{ type: 'fifo', path: '/x', mode: 0, uid: 0, gid: 0 }] }),
        );
        return ['build', f, path.join(t, 'j2')];
      },
    ],
    [
      'a plan with a .. path',
      () => {
        const f = path.join(t, 'dotdot.json');
        writeFileSync(f, JSON.stringify(plan([gen('/etc/../../x', 'x')])));
        return ['build', f, path.join(t, 'j3')];
      },
    ],
    [
      'an unsafe DIR (parent writable by all)',
      () => {
        const open = path.join(t, 'open');
        mkdirSync(open);
        chmodSync(open, 0o777);
        return ['build', good, path.join(open, 'j')];
      },
    ],
    [
      'a DIR that is a symlink',
      () => {
        symlinkSync('/etc', path.join(t, 'link'));
        return ['build', good, path.join(t, 'link')];
      },
    ],
    ['a missing DIR argument', () => ['build', good]],
    ...yamlCase('malformed YAML', 'name: x\nbinaries: [/bin/sh\n'),
    ...yamlCase('an unknown key', 'name: x\nbinarys: [/bin/sh]\n'),
    ...yamlCase('a wrong type', 'name: x\nbinaries: 42\n'),
    ...yamlCase('a missing binary', 'name: x\nbinaries: [no-such-binary-jailsmith]\n'),
    ...yamlCase('a .. path', 'name: x\nfiles: [{path: /etc/../../x}]\n'),
    ...yamlCase('an include cycle', 'name: x\ninclude: [cycle-b.yaml]\n', 'cycle-a.yaml'),
  ];

  /** A spec file written when the case runs; the jail DIR named after it must never appear. */
  function yamlCase(
    name: string,
    text: string,
    file = `${name.replace(/\W+/g, '-')}.yaml`,
  ): [string, () => string[]][] {
    return [
      [
        `a spec with ${name}`,
        () => {
          writeFileSync(path.join(t, file), text);
          writeFileSync(path.join(t, 'cycle-b.yaml'), 'include: [cycle-a.yaml]\n');
          return ['build', path.join(t, file), path.join(t, `jail-${file}`)];
        },
      ],
    ];
  }

  for (const [name, args] of bad) {
    it(`${name}: exit 2, one line, nothing written`, async () => {
      const a = args();
      const before = readdirSync(t).sort();
      const r = await runCli(a);
      expect(r.exitCode).toBe(2);
      expectOneLine(r.stderr);
      expect(r.stdout).toBe('');
      expect(readdirSync(t).sort()).toEqual(before);
    });
  }

  it('builds, reports JSON, then is up to date; manifest lists the tree', async () => {
    const dir = path.join(t, 'ok');
    const r1 = await runCli(['build', good, dir, '--json']);
    expect(r1.exitCode).toBe(0);
    const j1 = JSON.parse(r1.stdout);
    expect(j1.added).toEqual(['/', '/etc', '/etc/motd']);
    expect([j1.changed, j1.removed, j1.unchanged]).toEqual([[], [], []]);
    const r2 = await runCli(['build', good, dir]);
    expect(r2.stdout).toMatch(/^up to date: .* \(0 added, 0 changed, 0 removed, 3 unchanged\)/);
    const m = await runCli(['manifest', dir, '--json']);
    expect(m.exitCode).toBe(0);
    const motd = JSON.parse(m.stdout).entries.find((e: { path: string }) => e.path === '/etc/motd');
    expect(motd).toMatchObject({ type: 'file', mode: '0644', uid: 0, gid: 0, size: 3 });
  });

  it('manifest of a missing directory: exit 2, one line', async () => {
    const r = await runCli(['manifest', path.join(t, 'absent')]);
    expect(r.exitCode).toBe(2);
    expectOneLine(r.stderr);
  });
});

describe('jailsmith build --help', () => {
  it('documents the override flag', async () => {
    const r = await runCli(['build', '--help']);
    expect(r.stdout).toMatch(/--unsafe-ancestors/);
  });
});
