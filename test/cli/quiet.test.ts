import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

describe('-q prints only errors, -v adds detail', () => {
  const t = tmpDir('jailsmith-cli-quiet-');
  const tree = path.join(t, 'tree');
  mkdirSync(path.join(tree, 'etc'), { recursive: true });
  writeFileSync(path.join(tree, 'etc/motd'), 'hi\n');
  const spec = path.join(t, 'sh.yaml');
  writeFileSync(spec, 'name: sh\nbinaries: [/bin/sh]\n');

  it.each([
    ['manifest', () => ['manifest', tree]],
    ['plan', () => ['plan', spec]],
    ['deps', () => ['deps', '/bin/sh']],
    ['audit', () => ['audit', tree, '--fail-on', 'none']],
  ])('%s: output without -q, nothing at all with -q', async (_name, args) => {
    const loud = await runCli(args());
    expect(loud.exitCode).toBe(0);
    expect(loud.stdout.trim()).not.toBe('');
    const quiet = await runCli([...args(), '-q']);
    expect(quiet.exitCode).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toBe('');
  });

  it('-q keeps errors', async () => {
    const r = await runCli(['manifest', path.join(t, 'nope'), '-q']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^jailsmith: .*nope/);
  });

  it('plan -v lists more than plan', async () => {
    const plain = await runCli(['plan', spec]);
    const verbose = await runCli(['plan', spec, '-v']);
    expect(verbose.exitCode).toBe(0);
    expect(verbose.stdout.split('\n').length).toBeGreaterThan(plain.stdout.split('\n').length);
  });

  it('deps -v adds the files a jail needs, the program itself among them', async () => {
    const plain = await runCli(['deps', '/bin/sh']);
    const verbose = await runCli(['deps', '/bin/sh', '-v']);
    expect(verbose.exitCode).toBe(0);
    expect(plain.stdout).not.toContain('files a jail needs');
    expect(verbose.stdout).toMatch(
      /files a jail needs \(\d+\):\n( {4}\/.*\n)* {4}\/(usr\/)?bin\/(da|ba)?sh\b/,
    );
  });
});
