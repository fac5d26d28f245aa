import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { isOneLineError, writeSpec } from '../helpers/distro-jail.js';
import { tmpDir } from '../helpers/tmp.js';

describe('bad input: one line, exit 2', () => {
  const work = tmpDir('jailsmith-bad-');

  it('a source root that does not exist', async () => {
    const spec = writeSpec(work, 'missing-root', {
      source: path.join(work, 'no-such-root'),
      binaries: ['sh'],
    });
    const r = await runCli(['plan', spec]);
    expect(isOneLineError(r), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/does not exist/);
  });

  it('a source that is not a root (no /etc, /usr or /lib)', async () => {
    const notRoot = path.join(work, 'not-a-root');
    mkdirSync(path.join(notRoot, 'data'), { recursive: true });
    const spec = writeSpec(work, 'not-root', { source: notRoot, trees: ['/data'] });
    const r = await runCli(['plan', spec]);
    expect(isOneLineError(r), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/not a root/);
  });

  it('an unknown package', async () => {
    const spec = writeSpec(work, 'unknown-pkg', { packages: ['tzdata', 'no-such-package-jailsmith'] });
    const r = await runCli(['plan', spec]);
    expect(isOneLineError(r), r.stderr).toBe(true);
    expect(r.stderr).toContain('no-such-package-jailsmith');
  });
});
