/**
 * The run policy travels with the jail: recorded beside DIR when built, carried in the package's
 * signed manifest, recorded again by install, and used by `jailsmith run DIR` unless --spec wins.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

const bwrap = requireTool('bwrap', 'bubblewrap');

describe.skipIf(!bwrap)('the run policy travels with the jail', () => {
  describeAsRoot('build, pack, install, run', () => {
    const tmp = tmpDir('jailsmith-policy-');
    const jail = path.join(tmp, 'py');
    const pkg = path.join(tmp, 'py.tar.gz');
    const installed = path.join(tmp, 'installed');
    const spec = path.join(REPO, 'jails/python.yaml');

    beforeAll(async () => {
      for (const args of [
        ['build', spec, jail],
        ['pack', jail, '-o', pkg],
        ['install', pkg, installed],
      ]) {
        const r = await runCli(args);
        if (r.exitCode !== 0) throw new Error(`${args[0]}: ${r.stderr}`);
      }
    }, 120_000);

    it('the package manifest carries it, and install records it beside the jail', async () => {
      const { stdout } = await execa('tar', ['-xzOf', pkg, '.jailsmith/manifest.json']);
      const policy = JSON.parse(stdout).policy;
      expect(policy).toMatchObject({ user: 'app', workdir: '/home/app', entrypoint: ['/usr/bin/python3'] });
      const built = JSON.parse(readFileSync(path.join(tmp, '.py.jailsmith-policy.json'), 'utf8'));
      const recorded = JSON.parse(readFileSync(path.join(tmp, '.installed.jailsmith-policy.json'), 'utf8'));
      expect(recorded).toEqual(policy);
      expect(built).toEqual(policy);
    });

    it('run DIR uses the recorded policy: entrypoint, workdir, env, the home tmpfs', async () => {
      const code = 'import os; print(os.getcwd(), os.environ["HOME"], os.access("/home/app", os.W_OK))';
      const r = await runCli(['run', installed, '--', '-c', code]);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('/home/app /home/app True');
      expect(r.exitCode).toBe(0);
    });

    it('--spec still wins over the record', async () => {
      const other = path.join(tmp, 'other.yaml');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(other, 'name: other\nrun:\n  workdir: /tmp\n  entrypoint: [/usr/bin/python3, -c]\n');
      const r = await runCli(['run', installed, '--spec', other, '--', 'import os; print(os.getcwd())']);
      expect(r.stdout.trim()).toBe('/tmp');
      expect(r.exitCode).toBe(0);
    });
  });
});
