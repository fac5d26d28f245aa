/**
 * A signed package checked from the shell, without jailsmith: minisign and signify read the key
 * keygen writes as PREFIX.minisign.pub and the package's .jailsmith/manifest.json.minisig;
 * openssl checks the same signature with PREFIX.pub. Packages signed before the minisig existed
 * (only .jailsmith/signature) keep verifying.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa, execaSync } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

const tools =
  requireTool('minisign') && requireTool('signify-openbsd') && requireTool('openssl') && requireTool('tar');

/** The documented openssl check: the raw 64-byte signature is the last 64 bytes of line 2. */
const OPENSSL =
  'sed -n 2p manifest.json.minisig | base64 -d | tail -c 64 > manifest.sig && openssl pkeyutl -verify -pubin -inkey "$1" -rawin -in manifest.json -sigfile manifest.sig';

describe.skipIf(!tools)('signatures standard tools check', () => {
  const t = tmpDir('jailsmith-sig-');
  const meta = path.join(t, 'out/.jailsmith');
  const pkg = path.join(t, 'pkg.tar');
  const sh = (cmd: string, ...args: string[]) =>
    execa('sh', ['-c', cmd, 'sh', ...args], { cwd: meta, reject: false });

  beforeAll(async () => {
    for (const who of ['release', 'other']) {
      const r = await runCli(['keygen', '-o', path.join(t, who)]);
      expect(r.exitCode).toBe(0);
    }
    mkdirSync(path.join(t, 'jail/bin'), { recursive: true });
    writeFileSync(path.join(t, 'jail/bin/hello'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    const r = await runCli(['pack', path.join(t, 'jail'), '-o', pkg, '--sign', path.join(t, 'release')]);
    expect(r.stderr).toBe('');
    mkdirSync(path.join(t, 'out'));
    await execa('tar', ['-xf', pkg, '-C', path.join(t, 'out'), '.jailsmith']);
  });

  it('minisign verifies manifest.json with PREFIX.minisign.pub; another key is refused', async () => {
    const ok = await sh('minisign -Vm manifest.json -p "$1"', path.join(t, 'release.minisign.pub'));
    expect(ok.stdout).toContain('Signature and comment signature verified');
    expect(ok.stdout).toMatch(/Trusted comment: jailsmith package manifest sha256:[0-9a-f]{64}/);
    expect(ok.exitCode).toBe(0);
    const bad = await sh('minisign -Vm manifest.json -p "$1"', path.join(t, 'other.minisign.pub'));
    expect(bad.exitCode).not.toBe(0);
  });

  it('signify verifies the same file; another key is refused', async () => {
    const cmd = 'signify-openbsd -V -p "$1" -m manifest.json -x manifest.json.minisig';
    const ok = await sh(cmd, path.join(t, 'release.minisign.pub'));
    expect(ok.stdout).toBe('Signature Verified');
    expect(ok.exitCode).toBe(0);
    expect((await sh(cmd, path.join(t, 'other.minisign.pub'))).exitCode).not.toBe(0);
  });

  it('openssl verifies it with the PEM public key; another key is refused', async () => {
    const ok = await sh(OPENSSL, path.join(t, 'release.pub'));
    expect(ok.stdout).toBe('Signature Verified Successfully');
    expect((await sh(OPENSSL, path.join(t, 'other.pub'))).exitCode).not.toBe(0);
  });

  it('the signed manifest names the setup script by sha256 (the chain a shell user follows)', async () => {
    const r = await sh('sha256sum setup.sh | cut -d" " -f1');
    const manifest = JSON.parse((await sh('cat manifest.json')).stdout);
    expect(manifest.meta['setup.sh']).toBe(r.stdout.trim());
  });

  it('jailsmith verify takes either public key form; a package with only the old signature verifies', async () => {
    // --json is a summary: no manifest, and the setup script (megabytes for a real jail) as a flag.
    const summary = JSON.parse((await runCli(['verify', pkg, '--json'])).stdout);
    expect(summary).toMatchObject({ ok: true, signed: true, setupScript: true, policy: {} });
    expect(summary.manifest).toBeUndefined();
    for (const key of ['release.pub', 'release.minisign.pub']) {
      const r = await runCli(['verify', pkg, '--trust', path.join(t, key)]);
      expect(r.stdout).toContain('signature verified');
    }
    const old = path.join(t, 'old.tar');
    await execa('cp', [pkg, old]);
    await execa('tar', ['--delete', '-f', old, '.jailsmith/manifest.json.minisig']);
    const r = await runCli(['verify', old, '--trust', path.join(t, 'release.pub')]);
    expect(r.stdout).toContain('signature verified');
    const wrong = await runCli(['verify', old, '--trust', path.join(t, 'other.pub')]);
    expect(wrong.exitCode).not.toBe(0);
    const exported = await runCli(['keygen', '--export', path.join(t, 'release.pub')]);
    expect(exported.stdout).toBe(readFileSync(path.join(t, 'release.minisign.pub'), 'utf8').trimEnd());
  });

  describeAsRoot('the bundle setup.sh --key', () => {
    /** A PATH of busybox applets only, plus `extra` host tools. */
    const toolDir = (name: string, extra: string[]) => {
      const dir = path.join(t, name);
      mkdirSync(dir);
      const applets = execaSync('/bin/busybox', ['--list']).stdout.split('\n');
      for (const a of applets) symlinkSync('/bin/busybox', path.join(dir, a));
      for (const x of extra) symlinkSync(x, path.join(dir, path.basename(x)));
      return dir;
    };
    const setup = (key: string, target: string, PATH?: string) =>
      execa(
        '/bin/sh',
        [path.join(meta, 'setup.sh'), '-q', '--key', path.join(t, key), path.join(t, target)],
        {
          reject: false,
          ...(PATH ? { env: { PATH }, extendEnv: false } : {}),
        },
      );

    it.skipIf(!requireTool('busybox'))(
      'verifies with minisign, else signify, else openssl; refuses with none',
      async () => {
        const ok = await setup('release.minisign.pub', 'j-minisign');
        expect(ok.stderr).toBe('');
        expect(ok.exitCode).toBe(0);
        const wrong = await setup('other.minisign.pub', 'j-wrong');
        expect(wrong.stderr).toMatch(/signature refused by minisign/);
        const signify = toolDir('bin-signify', ['/usr/bin/signify-openbsd']);
        expect((await setup('release.minisign.pub', 'j-signify', signify)).exitCode).toBe(0);
        expect((await setup('other.minisign.pub', 'j-wrong', signify)).stderr).toMatch(
          /refused by .*signify-openbsd/,
        );
        const openssl = toolDir('bin-openssl', ['/usr/bin/openssl']);
        const viaOpenssl = await setup('release.minisign.pub', 'j-openssl', openssl);
        expect(viaOpenssl.stderr).toBe('');
        expect(viaOpenssl.exitCode).toBe(0);
        expect((await setup('other.minisign.pub', 'j-wrong', openssl)).stderr).toMatch(/refused by openssl/);
        const none = await setup('release.minisign.pub', 'j-none', toolDir('bin-none', []));
        expect(none.stderr).toMatch(/none of minisign, signify or openssl is installed/);
        expect(none.exitCode).toBe(1);
        expect(existsSync(path.join(t, 'j-wrong'))).toBe(false);
        expect(existsSync(path.join(t, 'j-none'))).toBe(false);
        for (const j of ['j-minisign', 'j-signify', 'j-openssl'])
          expect(existsSync(path.join(t, j, 'bin/hello'))).toBe(true);
      },
    );
  });
});
