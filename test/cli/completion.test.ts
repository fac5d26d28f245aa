import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

/**
 * The completion command module, mounted the way main.ts is meant to mount it: yargs' own
 * completion hidden under another name (it still answers --get-yargs-completions) and this
 * command registered like the others.
 */
async function cli(args: string[], env: Record<string, string> = {}) {
  const mod = path.join(REPO, 'dist/cli/commands/completion.js');
  const code = `import yargs from 'yargs';
import { completionCommand } from ${JSON.stringify(mod)};
await yargs(process.argv.slice(1)).scriptName('jailsmith').completion('__complete', false)
  .command(completionCommand).strict().parseAsync();`;
  const r = await execa(process.execPath, ['--input-type=module', '-e', code, '--', ...args], {
    cwd: REPO,
    reject: false,
    env,
  });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe('completion command', () => {
  it('prints a bash script that asks jailsmith for its completions', async () => {
    const r = await cli(['completion'], { SHELL: '/bin/bash' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(
      'complete -o bashdefault -o default -F _jailsmith_yargs_completions jailsmith',
    );
    expect(r.stdout).toContain('jailsmith --get-yargs-completions');
  });

  it('prints a zsh script under zsh', async () => {
    const r = await cli(['completion'], { SHELL: '/usr/bin/zsh' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.startsWith('#compdef jailsmith')).toBe(true);
  });

  it('--help explains it with examples instead of printing the script', async () => {
    const r = await cli(['completion', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Examples:$/m);
    expect(r.stdout).toContain('eval "$(jailsmith completion)"');
    expect(r.stdout).not.toContain('###-begin-jailsmith-completions-###');
  });

  it('the hidden hook still completes command names', async () => {
    const r = await cli(['--get-yargs-completions', 'jailsmith', 'comp']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toContain('completion');
  });
});
