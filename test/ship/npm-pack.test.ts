/**
 * The npm package as a user gets it: a fresh clone of the committed tree, `npm ci`, `npm pack`
 * (prepack builds dist/), `npm install -g` of the tarball into a temp prefix, then build, audit
 * and run from an unrelated directory. No native binary may be inside (nothing is built for the
 * host's architecture).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

const tools = requireTool('git') && requireTool('npm') && requireTool('bwrap', 'bubblewrap');

describe.skipIf(!tools)('npm pack from a fresh clone', () => {
  describeAsRoot('installs and runs', () => {
    const t = tmpDir('jailsmith-npm-');
    const clone = path.join(t, 'clone');
    const prefix = path.join(t, 'prefix');
    const bin = path.join(prefix, 'bin/jailsmith');
    const elsewhere = path.join(t, 'elsewhere');
    let tarball = '';

    beforeAll(async () => {
      await execa('git', ['clone', '-q', REPO, clone]);
      await execa('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: clone });
      const packed = await execa('npm', ['pack', '--silent'], { cwd: clone });
      tarball = path.join(clone, packed.stdout.trim().split('\n').pop() as string);
      await execa('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball]);
      mkdirSync(elsewhere);
    }, 300_000);

    it('the tarball holds dist/ and no native binary', async () => {
      const { stdout } = await execa('tar', ['-tzf', tarball]);
      const files = stdout.split('\n');
      expect(files).toContain('package/dist/cli/main.js');
      expect(files).toContain('package/bin/jailsmith');
      expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
      const x = path.join(t, 'x');
      mkdirSync(x);
      await execa('tar', ['-xzf', tarball, '-C', x]);
      const elf = await execa(
        'sh',
        ['-c', 'find . -type f -exec head -c4 {} \\; -print | grep -a "^.ELF" || true'],
        {
          cwd: x,
        },
      );
      expect(elf.stdout).toBe('');
    });

    it('build, audit and run work from an unrelated directory', async () => {
      const spec = path.join(prefix, 'lib/node_modules/jailsmith/jails/shell.yaml');
      const opts = { cwd: elsewhere, reject: false } as const;
      const build = await execa(bin, ['build', spec, 'jail', '-q'], opts);
      expect(build.stderr).toBe('');
      expect(build.exitCode).toBe(0);
      const audit = await execa(bin, ['audit', 'jail'], opts);
      expect(audit.stdout).toMatch(/0 critical, 0 high/);
      const run = await execa(bin, ['run', 'jail', '--', '/bin/sh', '-c', 'echo ran in $(pwd)'], opts);
      expect(run.stdout).toBe('ran in /home/user');
      expect(run.exitCode).toBe(0);
    });
  });
});
