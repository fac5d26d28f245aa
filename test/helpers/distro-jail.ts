import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { type CliResult, runCli } from './cli.js';

/** Writes a spec (an object) as YAML into dir and returns its path. */
export function writeSpec(dir: string, name: string, spec: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, stringify({ name, ...spec }));
  return file;
}

/** `jailsmith build SPEC DIR`, throwing with the CLI's stderr when it fails. */
export async function buildCli(spec: string, jail: string, extra: string[] = []): Promise<CliResult> {
  const r = await runCli(['build', spec, jail, ...extra]);
  if (r.exitCode !== 0) throw new Error(`build failed (${r.exitCode}): ${r.stderr}`);
  return r;
}

/** Runs argv inside the jail with chroot and a fixed, small environment. */
export async function inJail(jail: string, argv: string[]) {
  return execa('/usr/sbin/chroot', [jail, ...argv], {
    reject: false,
    extendEnv: false,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C' },
  });
}

/** A one-line error: exit 2, no stack, a single `jailsmith:` line on stderr. */
export function isOneLineError(r: CliResult): boolean {
  const lines = r.stderr.trim().split('\n');
  return (
    r.exitCode === 2 &&
    lines.length === 1 &&
    lines[0]?.startsWith('jailsmith: ') === true &&
    !/\n\s+at /.test(r.stderr)
  );
}
