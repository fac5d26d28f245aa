import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const SGR = /\u001b\[\d+(;\d+)*m/;

/** Runs the binary under script(1), so stdout and stderr are a pseudo-terminal. */
async function onTerminal(args: string[], env: Record<string, string | undefined>): Promise<string> {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const r = await execa('script', ['-qec', cmd, '/dev/null'], {
    reject: false,
    env: { ...process.env, TERM: 'xterm', NO_COLOR: undefined, ...env },
    extendEnv: false,
  });
  return String(r.stdout);
}

describe('colour', () => {
  // A directory under /tmp: the audit reports the world-writable ancestor, a finding to colour.
  const jail = path.join(tmpDir('jailsmith-cli-colour-'), 'jail');
  mkdirSync(jail);
  const args = ['audit', jail, '--fail-on', 'none'];

  it('on a terminal the audit text is coloured', async () => {
    expect(await onTerminal(args, {})).toMatch(SGR);
  });

  it('NO_COLOR turns colour off even on a terminal', async () => {
    const out = await onTerminal(args, { NO_COLOR: '1' });
    expect(out).toMatch(/\(\d+\)/); // the severity headings are there, uncoloured
    expect(out).not.toMatch(SGR);
  });

  it('a pipe gets no colour codes', async () => {
    const r = await runCli(args, { env: { NO_COLOR: '' } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/\(\d+\)/);
    expect(r.stdout + r.stderr).not.toMatch(SGR);
  });
});
