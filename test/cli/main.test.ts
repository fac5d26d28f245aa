import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, runCli } from '../helpers/cli.js';

describe('jailsmith CLI basics', () => {
  it('--version matches package.json', async () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    const r = await runCli(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('an unknown command is a usage error: exit 2, one line, no stack', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^jailsmith: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a reader that stops early (| head) ends the command quietly, with no stack trace', async () => {
    // `plan --json` of the python jail prints ~700 KB: far more than a pipe holds once head is gone.
    const r = await execa(
      'bash',
      ['-c', 'set -o pipefail; "$0" "$1" plan jails/python.yaml --json | head -c 5', process.execPath, BIN],
      { cwd: REPO, reject: false },
    );
    expect(r.stdout).toBe('{\n  "');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });
});
