import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { manifestOf } from '../../src/manifest/manifest.js';
import { planFromManifest } from '../../src/pack/plan-from-manifest.js';
import { REPO, runCli } from '../helpers/cli.js';
import { makeMiniJail } from '../helpers/mini-jail.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';

describeAsRoot('pack, verify, install, keygen through the binary', () => {
  const tmp = tmpDir('jailsmith-packcli-');
  const jail = path.join(tmp, 'jail');
  const t = (p: string) => path.join(tmp, p);

  beforeAll(async () => {
    await makeMiniJail(jail);
  });

  it('keygen writes a 0600 private key and a public key', async () => {
    for (const who of ['alice', 'mallory']) {
      const r = await runCli(['keygen', '-o', t(who), '--json']);
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout).keyId).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(statSync(t('alice')).mode & 0o777).toBe(0o600);
    expect(readFileSync(t('alice.pub'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    const again = await runCli(['keygen', '-o', t('alice')]);
    expect(again.exitCode).toBe(2);
  });

  it('a signed package is accepted with the right key, refused with another or unsigned', async () => {
    const signed = t('signed.tgz');
    const plain = t('plain.tar.gz');
    expect((await runCli(['pack', jail, '-o', signed, '--sign', t('alice')])).exitCode).toBe(0);
    expect((await runCli(['pack', jail, '-o', plain])).exitCode).toBe(0);
    const ok = await runCli(['verify', signed, '--trust', t('alice.pub'), '--json']);
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, signed: true, signatureVerified: true });
    const other = await runCli(['verify', signed, '--trust', t('mallory.pub')]);
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toMatch(/signature does not verify/);
    const unsigned = await runCli(['install', plain, t('dest'), '--trust', t('alice.pub')]);
    expect(unsigned.exitCode).toBe(1);
    expect(unsigned.stderr).toMatch(/not signed/);
    const installed = await runCli(['install', signed, t('dest'), '--trust', t('alice.pub'), '--json']);
    expect(installed.exitCode).toBe(0);
    expect(JSON.parse(installed.stdout)).toMatchObject({ signatureVerified: true, replaced: false });
    expect(manifestOf(t('dest'))).toEqual(manifestOf(jail));
  });

  it('a saved plan as SOURCE is built first; OCI config comes from its run section', async () => {
    const plan = planFromManifest(jail, 'mini', manifestOf(jail).entries, {
      user: 1000,
      env: { LANG: 'C.UTF-8' },
      workdir: '/home/jail',
      entrypoint: ['/bin/sh', '-c'],
      cmd: ['ls /'],
    });
    writeFileSync(t('plan.json'), JSON.stringify(plan));
    expect((await runCli(['pack', t('plan.json'), '-o', t('fromplan.tar')])).exitCode).toBe(0);
    expect((await runCli(['install', t('fromplan.tar'), t('fromplan')])).exitCode).toBe(0);
    expect(manifestOf(t('fromplan'))).toEqual(manifestOf(jail));
    const r = await runCli([
      'pack',
      t('plan.json'),
      '-o',
      t('img'),
      '--format',
      'oci',
      '--tag',
      'v2',
      '--json',
    ]);
    expect(r.exitCode).toBe(0);
    const manifest = JSON.parse(
      readFileSync(t(`img/blobs/sha256/${JSON.parse(r.stdout).manifestDigest.slice(7)}`), 'utf8'),
    );
    const config = JSON.parse(readFileSync(t(`img/blobs/sha256/${manifest.config.digest.slice(7)}`), 'utf8'));
    expect(config.config).toMatchObject({
      User: '1000:1000',
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'],
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['ls /'],
      WorkingDir: '/home/jail',
    });
  });

  it('a YAML spec SOURCE is built, packed with its setup script, and installs a working jail', async () => {
    const spec = path.join(REPO, 'jails/shell.yaml');
    const r = await runCli(['pack', spec, '-o', t('shell.tar.gz'), '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await runCli(['install', t('shell.tar.gz'), t('shell')])).exitCode).toBe(0);
    const { stdout } = await execa('chroot', [t('shell'), '/bin/sh', '-c', 'echo inside']);
    expect(stdout).toBe('inside');
    const oci = await runCli(['pack', spec, '-o', t('shell-img'), '--format', 'oci', '--json']);
    expect(oci.exitCode, oci.stderr).toBe(0);
    const m = JSON.parse(
      readFileSync(t(`shell-img/blobs/sha256/${JSON.parse(oci.stdout).manifestDigest.slice(7)}`), 'utf8'),
    );
    const config = JSON.parse(readFileSync(t(`shell-img/blobs/sha256/${m.config.digest.slice(7)}`), 'utf8'));
    expect(config.config).toMatchObject({ User: '1000:1000', WorkingDir: '/home/user' });
    expect(config.config.Env).toContain('HOME=/home/user');
  });

  it('bad inputs exit 2 with one line', async () => {
    writeFileSync(t('junk.tar'), 'not a tar');
    mkdirSync(t('occupied'));
    writeFileSync(t('occupied/file'), 'x');
    const cases: string[][] = [
      ['pack', t('missing'), '-o', t('x.tar')],
      ['pack', jail, '-o', t('x.zip')],
      ['pack', jail, '-o', t('x.tar'), '--sign', t('alice.pub')],
      ['pack', jail, '-o', t('no/such/dir.tar')],
      ['pack', jail, '-o', t('occupied'), '--format', 'oci'],
      ['pack', jail, '-o', t('img2'), '--format', 'oci', '--sign', t('alice')],
      ['verify', t('missing.tar')],
      ['verify', t('junk.tar')],
      ['verify', t('signed.tgz'), '--trust', t('junk.tar')],
      ['install', t('junk.tar'), t('dest2')],
      ['keygen'],
    ];
    for (const args of cases) {
      const r = await runCli(args);
      expect(r.exitCode, args.join(' ')).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines[0], args.join(' ')).toMatch(/^jailsmith: /);
      expect(lines.filter((l) => !l.startsWith('hint: ')).length, r.stderr).toBe(1);
    }
  });

  it('verify prints a summary and --json data', async () => {
    const r = await runCli(['verify', t('plain.tar.gz')]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^ok .*plain\.tar\.gz: \d+ entries/);
  });
});
