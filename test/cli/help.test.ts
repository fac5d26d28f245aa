import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';

const COMMANDS = [
  'completion',
  'deps',
  'plan',
  'build',
  'script',
  'manifest',
  'audit',
  'pack',
  'install',
  'verify',
  'keygen',
  'run',
  'import',
];

describe('help', () => {
  it('jailsmith --help lists every command, one line each', async () => {
    const r = await runCli(['--help']);
    expect(r.exitCode).toBe(0);
    for (const c of COMMANDS) {
      expect(r.stdout).toMatch(new RegExp(`^  jailsmith ${c}\\b`, 'm'));
    }
  });

  it.each(COMMANDS)('%s --help exits 0 with usage and a realistic example', async (c) => {
    const r = await runCli([c, '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^jailsmith ${c}\\b`));
    const examples = r.stdout.split(/^Examples:$/m)[1];
    expect(examples, 'an Examples: section').toBeDefined();
    // An example is a full command line of this very command, not a placeholder.
    expect(examples).toMatch(new RegExp(`^  jailsmith ${c} \\S`, 'm'));
  });

  it('--version matches package.json', async () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});
