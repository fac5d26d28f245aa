import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, test } from 'vitest';
import type { Manifest } from '../../src/manifest/index.js';
import type { JailPlan } from '../../src/plan/types.js';
import { planDigest } from '../../src/script/index.js';
import { REPO, runCli } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { type Facts, facts } from './compare.js';
import { hostileNames } from './plans.js';

const JAILS = path.join(REPO, 'jails');
const SHELLCHECK = requireTool('shellcheck');
const specs = existsSync(JAILS)
  ? readdirSync(JAILS)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
  : [];

async function manifest(dir: string) {
  const r = await runCli(['manifest', dir, '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return facts(JSON.parse(r.stdout) as Manifest);
}

async function shellcheck(file: string): Promise<string> {
  // A bundle's payload is not shell: check the script part, up to and including the marker line.
  const data = readFileSync(file);
  const marker = data.indexOf('\n__JAILSMITH_PAYLOAD__\n');
  const text = marker < 0 ? data : data.subarray(0, marker + 1);
  // Skipped only outside CI when shellcheck is missing (requireTool says so); in CI the file fails.
  if (!SHELLCHECK) return '';
  const r = await execa('shellcheck', ['-s', 'sh', '-S', 'warning', '-'], { input: text, reject: false });
  // 0 is clean; 1 is findings (in stdout); anything else is shellcheck not running at all.
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`shellcheck failed (${r.exitCode}): ${r.stderr}`);
  return r.stdout;
}

/** Writes the script of `spec`, builds the same spec, runs the script, compares the two jails. */
async function crossCheck(
  spec: string,
  work: string,
  mode: 'host' | 'bundle',
  root?: string,
  cwd = work,
): Promise<Facts[]> {
  const name = path.basename(spec, '.yaml');
  const script = path.join(work, `${name}.${mode}.sh`);
  const rootArgs = root ? ['--root', root] : [];
  const r = await runCli(['script', spec, '--mode', mode, '-o', script, '--json', ...rootArgs]);
  expect(r.exitCode, r.stderr).toBe(0);
  const info = JSON.parse(r.stdout) as { output: string; mode: string; planDigest: string; bytes: number };
  expect(info).toMatchObject({ output: script, mode });
  expect(info.bytes).toBe(readFileSync(script).length);
  expect(readFileSync(script, 'utf8')).toContain(`plan sha256: ${info.planDigest}`);
  expect(await shellcheck(script)).toBe('');
  // The script's header names the plan `plan --json` prints for the same spec: one hand-off.
  const planned = await runCli(['plan', spec, '--json', ...rootArgs]);
  expect(planned.exitCode, planned.stderr).toBe(0);
  expect(planDigest(JSON.parse(planned.stdout) as JailPlan)).toBe(info.planDigest);
  const built = path.join(work, `${name}.${mode}.built`);
  const b = await runCli(['build', spec, built, ...rootArgs]);
  expect(b.exitCode, b.stderr).toBe(0);
  const made = path.join(work, `${name}.${mode}.script`);
  const s = await execa('sh', [script, '-q', made], { reject: false, cwd });
  expect(s.stderr).toBe('');
  expect(s.exitCode).toBe(0);
  const jail = await manifest(made);
  expect(jail).toEqual(await manifest(built));
  return jail;
}

describeAsRoot('jailsmith script', () => {
  const work = tmpDir('jailsmith-script-cli-');

  test('there are ready-made specs to check', () => {
    expect(specs.length).toBeGreaterThan(0);
  });

  for (const spec of specs) {
    test(`${spec}: shellcheck-clean host script whose jail equals build's`, async () => {
      await crossCheck(path.join(JAILS, spec), work, 'host');
    });
  }

  test('shell.yaml as a bundle: the same jail as build', async () => {
    await crossCheck(path.join(JAILS, 'shell.yaml'), work, 'bundle');
  });

  describeAsRoot('a spec whose tree holds hostile names', () => {
    const src = path.join(work, 'hostile-src');
    const cwd = path.join(work, 'hostile-cwd');
    // One spec names its source, the other gets it from --root: both ways reach build and script.
    const spec = path.join(work, 'hostile.yaml');
    const specWithSource = path.join(work, 'hostile-src.yaml');

    beforeAll(() => {
      mkdirSync(path.join(src, 'data'), { recursive: true });
      mkdirSync(path.join(src, 'etc')); // what makes a directory a source root
      mkdirSync(cwd);
      hostileNames('pwned').forEach((n, i) => {
        writeFileSync(path.join(src, 'data', n), `content ${i}\n`);
        mkdirSync(path.join(src, 'data', `dir ${n}`));
        writeFileSync(path.join(src, 'data', `dir ${n}`, n), `inner ${i}\n`);
        symlinkSync(n, path.join(src, 'data', `dir ${n}`, `link ${n}`));
      });
      writeFileSync(spec, 'name: hostile\ntrees: [/data]\n');
      writeFileSync(specWithSource, `name: hostile\nsource: ${JSON.stringify(src)}\ntrees: [/data]\n`);
    });

    for (const mode of ['host', 'bundle'] as const) {
      test(`${mode} mode: names run nothing and the jail equals build's`, async () => {
        const jail =
          mode === 'host'
            ? await crossCheck(spec, work, mode, src, cwd)
            : await crossCheck(specWithSource, work, mode, undefined, cwd);
        const paths = new Set(jail.map((e) => e.path));
        for (const n of hostileNames('pwned')) {
          expect(paths.has(`/data/${n}`), n).toBe(true);
          expect(jail.find((e) => e.path === `/data/dir ${n}/link ${n}`)?.target, n).toBe(n);
        }
        expect(readdirSync(cwd)).toEqual([]);
        expect(readdirSync(work).filter((n) => n.includes('pwned'))).toEqual([]);
        expect(readdirSync(homedir()).filter((n) => n.includes('pwned'))).toEqual([]);
      });
    }
  });

  test('host mode without -o prints the script', async () => {
    const r = await runCli(['script', path.join(JAILS, 'shell.yaml')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^#!\/bin\/sh\n# Setup script for the jail "shell"/);
  });

  test('bad input: bundle without -o, a missing spec, an unknown mode, an unwritable -o: one line, exit 2', async () => {
    const cases = [
      ['script', path.join(JAILS, 'shell.yaml'), '--mode', 'bundle'],
      ['script', path.join(work, 'no-such.yaml')],
      ['script', path.join(JAILS, 'shell.yaml'), '--mode', 'tarball'],
      ['script', path.join(JAILS, 'shell.yaml'), '-o', path.join(work, 'no-such-dir', 'setup.sh')],
    ];
    for (const args of cases) {
      const r = await runCli(args);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^jailsmith: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    }
  });
});
