/**
 * push and pull against a real registry: Debian's docker-registry, started here on 127.0.0.1.
 * One small jail, pushed once with a signature; every refusal afterwards must leave nothing
 * behind (no DIR, no temp layout).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

const tools = requireTool('docker-registry') && requireTool('skopeo') && requireTool('bwrap', 'bubblewrap');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`registry did not come up at ${url}`);
}

const SPEC = `name: tiny
binaries: [/bin/sh, /bin/cat]
dirs:
  - {path: /tmp, mode: "1777"}
  - /work
run:
  entrypoint: [/bin/sh, -c]
  workdir: /work
  env: {GREETING: hello-from-policy}
  tmpfs: [/work]
`;

const pullTemps = () => readdirSync(os.tmpdir()).filter((n) => n.startsWith('jailsmith-pull-'));

describe.skipIf(!tools)('push and pull through docker-registry on 127.0.0.1', () => {
  describeAsRoot('one signed image', () => {
    const t = tmpDir('jailsmith-registry-');
    const storage = path.join(t, 'storage');
    let registry: ChildProcess;
    let locked: ChildProcess;
    let lockedHost = '';
    let host = '';
    let ref = '';
    let digest = '';
    const insecure = '--tls-verify=false';

    beforeAll(async () => {
      const port = await freePort();
      host = `127.0.0.1:${port}`;
      ref = `${host}/jails/tiny:1.0`;
      writeFileSync(
        path.join(t, 'registry.yml'),
        `version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: ${storage}}}\nhttp: {addr: "${host}"}\n`,
      );
      registry = spawn('docker-registry', ['serve', path.join(t, 'registry.yml')], { stdio: 'ignore' });
      // A second one that wants a user and password (htpasswd, bcrypt as the registry requires).
      lockedHost = `127.0.0.1:${await freePort()}`;
      const hash = await execa('python3', [
        '-W',
        'ignore',
        '-c',
        'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))',
      ]);
      writeFileSync(path.join(t, 'htpasswd'), `ops:${hash.stdout.trim()}\n`);
      writeFileSync(
        path.join(t, 'locked.yml'),
        `version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: ${storage}-locked}}\n` +
          `http: {addr: "${lockedHost}"}\nauth: {htpasswd: {realm: jailsmith, path: ${path.join(t, 'htpasswd')}}}\n`,
      );
      locked = spawn('docker-registry', ['serve', path.join(t, 'locked.yml')], { stdio: 'ignore' });
      await waitFor(`http://${host}/v2/`);
      await waitFor(`http://${lockedHost}/`);
      writeFileSync(path.join(t, 'tiny.yaml'), SPEC);
      for (const args of [
        ['keygen', '-o', path.join(t, 'release')],
        ['keygen', '-o', path.join(t, 'other')],
        ['build', path.join(t, 'tiny.yaml'), path.join(t, 'jail')],
        ['pack', path.join(t, 'jail'), '-o', path.join(t, 'image'), '--format', 'oci', '--tag', '1.0'],
      ]) {
        const r = await runCli(args);
        if (r.exitCode !== 0) throw new Error(`${args[0]}: ${r.stderr}`);
      }
      const index = JSON.parse(readFileSync(path.join(t, 'image/index.json'), 'utf8'));
      digest = index.manifests[0].digest;
    }, 120_000);

    afterAll(() => {
      registry?.kill();
      locked?.kill();
    });

    it('push: the registry serves the same digest, and the signature under sha256-<hex>.sig', async () => {
      const r = await runCli([
        'push',
        path.join(t, 'image'),
        ref,
        insecure,
        '--sign',
        path.join(t, 'release'),
        '--json',
      ]);
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout);
      expect(out.digest).toBe(digest);
      const raw = await execa('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], {
        stripFinalNewline: false,
      });
      expect(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`).toBe(digest);
      expect(out.signature).toBe(`docker://${host}/jails/tiny:${digest.replace(':', '-')}.sig`);
      const tags = await execa('skopeo', ['list-tags', '--tls-verify=false', `docker://${host}/jails/tiny`]);
      expect(JSON.parse(tags.stdout).Tags.sort()).toEqual(['1.0', `${digest.replace(':', '-')}.sig`]);
    });

    it('pull --trust installs a new directory with the same digest, and the jail runs with its policy', async () => {
      const dir = path.join(t, 'pulled');
      const r = await runCli([
        'pull',
        ref,
        dir,
        insecure,
        '--trust',
        path.join(t, 'release.minisign.pub'),
        '--json',
      ]);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toMatchObject({ digest, signed: true, signatureVerified: true });
      const run = await runCli(['run', dir, '--', 'echo $GREETING $(pwd)']);
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('hello-from-policy /work');
      expect(run.exitCode).toBe(0);
      // verify and install take the reference too (install REF DIR is pull).
      const key = ['--trust', path.join(t, 'release.pub')];
      const verified = await runCli(['verify', ref, insecure, ...key]);
      expect(verified.stdout).toMatch(/^ok docker:\/\/.*signature verified$/);
      const installed = await runCli(['install', ref, path.join(t, 'installed'), insecure, ...key, '--json']);
      expect(JSON.parse(installed.stdout)).toMatchObject({ digest, signatureVerified: true });
    });

    it('run takes the reference or the layout: verified and unpacked once into a cache keyed by digest', async () => {
      const env = { JAILSMITH_CACHE: path.join(t, 'cache') };
      const cached = path.join(t, 'cache/images', digest.replace(':', '-'));
      for (const src of [ref, `${path.join(t, 'image')}:1.0`, ref]) {
        const r = await runCli(['run', src, insecure, '--', 'echo $GREETING $(pwd)'], { env });
        expect(r.stderr).toBe('');
        expect(r.stdout).toBe('hello-from-policy /work');
      }
      expect(readdirSync(path.join(t, 'cache/images')).filter((n) => !n.startsWith('.'))).toEqual([
        path.basename(cached),
      ]);
    });

    it('--creds: refused without them (exit 2, one line), pushed and pulled with them', async () => {
      const lockedRef = `${lockedHost}/jails/tiny:1.0`;
      const image = path.join(t, 'image');
      const denied = await runCli(['push', image, lockedRef, insecure]);
      expect(denied.exitCode).toBe(2);
      expect(denied.stderr).toMatch(/^jailsmith: the registry refused the credentials/);
      const creds = ['--creds', 'ops:s3cret'];
      expect((await runCli(['push', image, lockedRef, insecure, ...creds])).exitCode).toBe(0);
      const pulled = await runCli([
        'pull',
        lockedRef,
        path.join(t, 'from-locked'),
        insecure,
        ...creds,
        '--json',
      ]);
      expect(JSON.parse(pulled.stdout).digest).toBe(digest);
    });

    it('refuses a wrong key and a tampered blob: exit 1, nothing written', async () => {
      const dir = path.join(t, 'refused');
      const wrong = await runCli(['pull', ref, dir, insecure, '--trust', path.join(t, 'other.pub')]);
      expect(wrong.exitCode).toBe(1);
      expect(wrong.stderr).toMatch(/signature is by another key/);
      const manifest = JSON.parse(readFileSync(path.join(t, 'image/blobs/sha256', digest.slice(7)), 'utf8'));
      const hex = manifest.layers[0].digest.slice(7);
      const blob = path.join(storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
      copyFileSync(blob, path.join(t, 'layer.bak'));
      const bytes = readFileSync(blob);
      bytes[bytes.length >> 1] ^= 0x01;
      writeFileSync(blob, bytes);
      try {
        const tampered = await runCli(['pull', ref, dir, insecure]);
        expect(tampered.exitCode).toBe(1);
        expect(tampered.stderr).toMatch(/^jailsmith: refused: .*[Dd]igest did not match/);
      } finally {
        copyFileSync(path.join(t, 'layer.bak'), blob);
      }
      expect(existsSync(dir)).toBe(false);
      expect(readdirSync(t).filter((n) => n.startsWith('.refused'))).toEqual([]);
      expect(pullTemps()).toEqual([]);
    });

    it('bad input is one line, exit 2, nothing written', async () => {
      const dir = path.join(t, 'bad');
      const closed = await freePort();
      const cases: [string[], RegExp, Record<string, string>?][] = [
        [['pull', `127.0.0.1:${closed}/jails/tiny:1.0`, dir, insecure], /cannot reach the registry/],
        [['pull', 'not a ref', dir], /bad image reference/],
        [['pull', `${host}/Jails/tiny`, dir, insecure], /bad image reference/],
        [['pull', `${host}/jails/tiny:2.0`, dir, insecure], /no such image/],
        [['pull', ref, dir], /cannot reach the registry.*HTTP response to HTTPS/],
        [['push', `${path.join(t, 'image')}:nope`, ref, insecure], /no tag nope/],
        [['install', `${path.join(t, 'image')}:nope`, dir], /no tag nope/],
        [['install', path.join(t, 'jail'), dir], /is a directory, neither a package file nor an OCI layout/],
        [['pull', ref, dir, insecure], /skopeo is not installed/, { PATH: '/nonexistent' }],
      ];
      for (const [args, msg, env] of cases) {
        const r = await runCli(args, env ? { env, extendEnv: false } : {});
        expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(2);
        const lines = r.stderr.trimEnd().split('\n');
        expect(lines[0]).toMatch(msg);
        expect(
          lines.slice(1).every((l) => l.startsWith('hint: ')),
          r.stderr,
        ).toBe(true);
        expect(r.stdout).toBe('');
        expect(existsSync(dir)).toBe(false);
      }
      expect(pullTemps()).toEqual([]);
    });
  });
});
