import { realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('jailsmith deps', () => {
  it('--json lists interpreter, closure and missing for /bin/ls', async () => {
    const r = await runCli(['deps', '--json', '/bin/ls']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    const d = out['/bin/ls'];
    expect(d.missing).toEqual([]);
    expect(realpathSync(d.interpreter)).toBe(realpathSync('/lib64/ld-linux-x86-64.so.2'));
    expect(d.closure.map((p: string) => realpathSync(p))).toContain(
      realpathSync('/lib/x86_64-linux-gnu/libc.so.6'),
    );
  });

  it('a missing file is one line naming it, exit 2', async () => {
    const r = await runCli(['deps', '/no/such/file']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toBe('jailsmith: no such file in the root (/no/such/file)');
  });
});
