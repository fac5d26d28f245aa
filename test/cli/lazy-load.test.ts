import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, REPO } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

/**
 * Which modules a command line loads, logged by a module resolve hook: the start-up cost of the
 * CLI is its imports, and this checks them without timing anything.
 */
const dir = tmpDir('jailsmith-lazy-');
writeFileSync(
  path.join(dir, 'hook.mjs'),
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.MODULE_LOG, r.url + '\\n');
  return r;
}`,
);
writeFileSync(
  path.join(dir, 'register.mjs'),
  `import { register } from 'node:module';\nregister(new URL('./hook.mjs', import.meta.url));`,
);

let n = 0;
async function loaded(args: string[]): Promise<{ exitCode: number; modules: string[] }> {
  const log = path.join(dir, `log-${n++}`);
  writeFileSync(log, '');
  const r = await execa(process.execPath, ['--import', path.join(dir, 'register.mjs'), BIN, ...args], {
    cwd: REPO,
    reject: false,
    env: { MODULE_LOG: log, NO_COLOR: '1' },
  });
  const modules = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))].map((u) =>
    u.startsWith(`file://${REPO}/`) ? u.slice(`file://${REPO}/`.length) : u,
  );
  return { exitCode: r.exitCode ?? -1, modules };
}

const commandModules = (mods: string[]) => mods.filter((m) => /^dist\/cli\/commands\/(?!index\.js)/.test(m));

describe('the CLI loads only what a command line needs', () => {
  it('--version loads neither yargs nor any command', async () => {
    const r = await loaded(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.modules.filter((m) => m.includes('node_modules/'))).toEqual([]);
    expect(commandModules(r.modules)).toEqual([]);
  });

  it('--help loads yargs but no command module', async () => {
    const r = await loaded(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.modules).toContain('node_modules/yargs/index.mjs');
    expect(commandModules(r.modules)).toEqual([]);
  });

  it('a command loads its own module and no other', async () => {
    const r = await loaded(['manifest', '--help']);
    expect(r.exitCode).toBe(0);
    expect(commandModules(r.modules)).toEqual(['dist/cli/commands/manifest.js']);
  });

  it('an unknown command loads no command module', async () => {
    const r = await loaded(['frobnicate']);
    expect(r.exitCode).toBe(2);
    expect(commandModules(r.modules)).toEqual([]);
  });
});
