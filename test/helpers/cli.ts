import path from 'node:path';
import { execa, type Options } from 'execa';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(REPO, 'bin/jailsmith');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the built binary (npm test builds first), never throwing on a non-zero exit. */
export async function runCli(args: string[], opts: Options = {}): Promise<CliResult> {
  const r = await execa(process.execPath, [BIN, ...args], {
    reject: false,
    ...opts,
    env: { NO_COLOR: '1', ...opts.env },
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
