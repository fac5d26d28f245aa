import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

describe('jailsmith plan', () => {
  const dir = tmpDir('cli-plan-');
  let n = 0;
  const specFile = (text: string) => {
    const f = path.join(dir, `c${++n}.yaml`);
    writeFileSync(f, text);
    return f;
  };

  it('prints a summary of a ready-made jail and exits 0', async () => {
    const r = await runCli(['plan', path.join(REPO, 'jails/sftp.yaml')]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^jail sftp from \/: \d+ entries, [\d.]+ (KiB|MiB)$/m);
    expect(r.stdout).toMatch(/\d+ dirs, \d+ files, \d+ generated/);
    expect(r.stdout).toContain('/dev/log');
  });

  it('-v lists every entry with type, mode, owner and path', async () => {
    const f = specFile('binaries: [sh]\ndirs: [{path: /tmp, mode: "1777"}]\ndevices: [null]\n');
    const r = await runCli(['plan', f, '-v']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^ {2}dir {7}1777 0:0 {9}\/tmp$/m);
    expect(r.stdout).toMatch(/^ {2}device {4}0666 0:0 {9}\/dev\/null char 1,3$/m);
    expect(r.stdout).toMatch(/^ {2}symlink {3}0777 0:0 {9}\/usr\/bin\/sh -> dash$/m);
  });

  it('--json prints the plan itself', async () => {
    const f = specFile('binaries: [sh]\nusers: [{name: app, uid: 1000}]\ndevices: [null]\n');
    const r = await runCli(['plan', f, '--json']);
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.format).toBe(1);
    expect(plan.name).toBe(`c${n}`);
    const sh = plan.entries.find((e: { path: string }) => e.path === '/usr/bin/sh');
    expect(sh.type).toBe('symlink');
    expect(plan.entries.find((e: { path: string }) => e.path === '/dev/null')).toMatchObject({
      type: 'device',
      major: 1,
      minor: 3,
    });
  });

  it('--root takes files from another root', async () => {
    const root = path.join(dir, 'emptyroot');
    // A root filesystem's shape (etc, usr) without the program asked for.
    mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
    mkdirSync(path.join(root, 'etc'));
    const f = specFile('binaries: [sh]\n');
    const r = await runCli(['plan', f, '--root', root]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`binary "sh" not found on PATH`);
    expect(r.stderr).toContain(`${f}:1:12`);
  });

  const bad: [string, string, RegExp][] = [
    [
      'malformed YAML',
      'name: x\nbinaries: [sh\n',
      /^jailsmith: malformed YAML: .* \(.*c\d+\.yaml:\d+:\d+\)$/,
    ],
    [
      'unknown key',
      'name: x\nbinries: [sh]\n',
      /^jailsmith: unknown key "binries"; did you mean "binaries"\? \(.*:2:1\)$/,
    ],
    [
      'wrong type',
      'users:\n  - {name: a, uid: one}\n',
      /^jailsmith: users\[0\]\.uid: expected an integer, got the string "one" \(.*:2:20\)$/,
    ],
    [
      'missing binary',
      'binaries: [no-such-program-xyz]\n',
      /^jailsmith: binary "no-such-program-xyz" not found on PATH .* \(.*:1:12\)$/,
    ],
    [
      '.. path',
      'files: [/etc/../etc/shadow]\n',
      /^jailsmith: files\[0\]: path "\/etc\/\.\.\/etc\/shadow" contains '\.\.'.* \(.*:1:9\)$/,
    ],
    [
      'decimal mode',
      'dirs: [{path: /tmp, mode: 1777}]\n',
      /^jailsmith: dirs\[0\]\.mode: mode 1777 is a decimal number .*\(.*:1:27\)$/,
    ],
  ];
  it.each(bad)('%s: exit 2, one line (plus hint), no stack, nothing written', async (_what, text, line) => {
    const f = specFile(text);
    const before = readdirSync(dir).sort();
    const r = await runCli(['plan', f]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(line);
    expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('an include cycle: exit 2, the cycle on one line', async () => {
    writeFileSync(path.join(dir, 'x.yaml'), 'include: [y.yaml]\n');
    writeFileSync(path.join(dir, 'y.yaml'), 'include: [x.yaml]\n');
    const r = await runCli(['plan', path.join(dir, 'x.yaml')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^jailsmith: include\[0\]: include cycle: x\.yaml → y\.yaml → x\.yaml \(.*y\.yaml:1:11\)$/,
    );
  });

  it('a missing spec file and a missing argument exit 2', async () => {
    const r = await runCli(['plan', path.join(dir, 'absent.yaml')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^jailsmith: spec file does not exist \(/);
    const u = await runCli(['plan']);
    expect(u.exitCode).toBe(2);
  });

  it('--json errors carry the code on stderr', async () => {
    const r = await runCli(['plan', specFile('binarys: []\n'), '--json']);
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stderr.split('\n')[0] as string).error.code).toBe('SPEC_UNKNOWN_KEY');
  });
});
