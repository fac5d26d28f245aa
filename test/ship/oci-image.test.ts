/**
 * Issue 16's OCI must-shows with the real tools: a jail built from jails/python.yaml, packed from
 * its directory, unpacked by umoci and run by runc as the spec says (uid 1000, /home/app, env,
 * entrypoint); and one image index over the host's and the arm64 sysroot's platforms.
 * podman is not used: it cannot run containers on this machine's hybrid cgroup hierarchy.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';
import { compileC } from '../helpers/compile.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

const tools = requireTool('umoci') && requireTool('runc') && requireTool('skopeo');

async function cli(args: string[]) {
  const r = await runCli(args);
  if (r.exitCode !== 0) throw new Error(`jailsmith ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
  return r;
}

function blob(layout: string, digest: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(layout, 'blobs/sha256', digest.slice(7)), 'utf8'));
}

describe.skipIf(!tools)('OCI images carry the run policy', () => {
  describeAsRoot('a python jail packed from its directory, run by runc', () => {
    const tmp = tmpDir('jailsmith-oci-runc-');
    const jail = path.join(tmp, 'py');
    const layout = path.join(tmp, 'image');

    beforeAll(async () => {
      await cli(['build', path.join(REPO, 'jails/python.yaml'), jail]);
      await cli(['pack', jail, '-o', layout, '--format', 'oci', '--tag', '1.0']);
    }, 120_000);

    it('has a numeric User, the workdir, env, entrypoint, the policy label and annotations', () => {
      const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
      const manifest = blob(layout, index.manifests[0].digest) as {
        config: { digest: string };
        annotations: Record<string, string>;
      };
      const config = blob(layout, manifest.config.digest) as {
        created: string;
        architecture: string;
        config: Record<string, unknown>;
      };
      expect(config.config).toMatchObject({
        User: '1000:1000',
        WorkingDir: '/home/app',
        Entrypoint: ['/usr/bin/python3'],
      });
      expect(config.config.Env).toContain('PYTHONDONTWRITEBYTECODE=1');
      const policy = JSON.parse(
        (config.config.Labels as Record<string, string>)['org.jailsmith.run-policy'] as string,
      );
      expect(policy).toMatchObject({ user: 'app', tmpfs: [{ path: '/home/app', size: 64 * 1024 ** 2 }] });
      // Not 1970: the newest mtime of the jail when SOURCE_DATE_EPOCH is not set.
      expect(new Date(config.created).getFullYear()).toBeGreaterThan(2000);
      expect(manifest.annotations['org.opencontainers.image.created']).toBe(config.created);
      expect(manifest.annotations['org.opencontainers.image.title']).toBe('py');
      expect(manifest.annotations['org.opencontainers.image.version']).toBe('1.0');
    });

    it('umoci unpacks it and runc runs the entrypoint as uid 1000 in /home/app with the spec’s env', async () => {
      const bundle = path.join(tmp, 'bundle');
      await execa('umoci', ['unpack', '--image', `${layout}:1.0`, bundle]);
      const cfgFile = path.join(bundle, 'config.json');
      const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'));
      expect(cfg.process.args).toEqual(['/usr/bin/python3']);
      cfg.process.terminal = false;
      cfg.process.args.push(
        '-c',
        'import os,sys; print(os.getuid(), os.getgid(), os.getcwd(), os.environ["PYTHONDONTWRITEBYTECODE"], sys.executable)',
      );
      writeFileSync(cfgFile, JSON.stringify(cfg));
      const r = await execa('runc', ['run', '--bundle', bundle, `jailsmith-test-${process.pid}`], {
        reject: false,
        timeout: 60_000,
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('1000 1000 /home/app 1 /usr/bin/python3');
      expect(r.exitCode).toBe(0);
    });

    it('the seccomp label, put into the bundle as linux.seccomp, makes runc refuse what run refuses', async () => {
      const bundle = path.join(tmp, 'bundle');
      const cfgFile = path.join(bundle, 'config.json');
      const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
      const manifest = blob(layout, index.manifests[0].digest) as { config: { digest: string } };
      const labels = (blob(layout, manifest.config.digest) as { config: { Labels: Record<string, string> } })
        .config.Labels;
      const code =
        'import ctypes, os; c = ctypes.CDLL(None, use_errno=True); r = c.unshare(0x10000000); print(r, os.strerror(ctypes.get_errno()) if r else "")';
      const runWith = async (seccomp: unknown) => {
        const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'));
        cfg.process.args = ['/usr/bin/python3', '-c', code];
        cfg.linux.seccomp = seccomp;
        writeFileSync(cfgFile, JSON.stringify(cfg));
        return execa('runc', ['run', '--bundle', bundle, `jailsmith-sc-${process.pid}`], { reject: false });
      };
      // umoci makes the bundle without one; with the label's profile, unshare is refused as under
      // jailsmith run (without it, it depends on the host's user-namespace settings).
      const filtered = await runWith(JSON.parse(labels['org.jailsmith.seccomp'] as string));
      expect(filtered.stdout.trim()).toBe('-1 Operation not permitted');
    });
  });

  describeAsRoot('one spec packed from the host root and the arm64 sysroot', () => {
    const tmp = tmpDir('jailsmith-oci-multi-');
    const sysroot = '/usr/aarch64-linux-gnu';
    const name = `jailsmith-probe-${process.pid}`;
    // The same program at the same path in both roots (removed afterwards).
    const hostBin = path.join('/usr/bin', name);
    const armBin = path.join(sysroot, 'bin', name);
    const src = '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n';
    const ok = requireTool('aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu');

    beforeAll(async () => {
      if (!ok) return;
      await compileC(src, hostBin);
      await compileC(src, armBin, [], 'aarch64-linux-gnu-gcc');
    });
    afterAll(() => {
      for (const f of [hostBin, armBin]) {
        rmSync(f, { force: true });
        rmSync(`${f}.c`, { force: true });
      }
    });

    it.skipIf(!ok)('is one image index with two platforms (skopeo inspect --raw)', async () => {
      const spec = path.join(tmp, 'probe.yaml');
      writeFileSync(spec, `name: probe\nbinaries: [/bin/${name}]\nrun:\n  cmd: [/bin/${name}]\n`);
      const layout = path.join(tmp, 'image');
      const r = await cli([
        'pack',
        spec,
        '-o',
        layout,
        '--format',
        'oci',
        '--root',
        '/',
        '--root',
        sysroot,
        '--json',
      ]);
      expect(JSON.parse(r.stdout).platforms).toEqual(['linux/amd64', 'linux/arm64']);
      const raw = await execa('skopeo', ['inspect', '--raw', `oci:${layout}:latest`]);
      const index = JSON.parse(raw.stdout);
      expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      expect(
        index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture),
      ).toEqual(['amd64', 'arm64']);
      // skopeo picks the arm64 image out of the index when asked for that platform.
      const arm = await execa('skopeo', ['--override-arch', 'arm64', 'inspect', `oci:${layout}:latest`]);
      expect(JSON.parse(arm.stdout).Architecture).toBe('arm64');
    });
  });
});
