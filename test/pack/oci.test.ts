import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { manifestOf } from '../../src/manifest/manifest.js';
import type { ManifestEntry } from '../../src/manifest/types.js';
import { imageConfig, packOci } from '../../src/pack/oci.js';
import { resolveInManifest } from '../../src/pack/oci-config.js';
import { openPackSource } from '../../src/pack/source.js';
import { shippedPolicy } from '../../src/policy/index.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { makeFeatureJail } from './fixture.js';

describe('OCI image config', () => {
  const facts = (shell: string | null) => ({
    lookupUser: (u: string | number) => (u === 'app' || u === 1000 ? { uid: 1000, gid: 1001 } : undefined),
    shell,
  });
  it('maps the run policy to a numeric User, Env, WorkingDir, Entrypoint, Cmd and a policy label', () => {
    const policy = {
      user: 'app',
      env: { B: '2', A: '1' },
      workdir: '/work',
      entrypoint: ['/bin/app'],
      cmd: ['--x'],
    };
    const c = imageConfig(policy, facts('/bin/sh'));
    expect(c).toEqual({
      User: '1000:1001',
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=1', 'B=2'],
      Entrypoint: ['/bin/app'],
      Cmd: ['--x'],
      WorkingDir: '/work',
      Labels: { 'org.jailsmith.run-policy': JSON.stringify(shippedPolicy(policy)) },
    });
    expect(imageConfig({ user: 1000 }, facts('/bin/sh')).Cmd).toEqual(['/bin/sh']);
    expect(imageConfig({ user: 1000 }, facts(null)).Cmd).toBeUndefined();
    // jailsmith run's default user, numeric so runAsNonRoot can check it.
    expect(imageConfig({}, { lookupUser: () => ({ uid: 65534, gid: 65534 }), shell: null }).User).toBe(
      '65534:65534',
    );
    expect(() => imageConfig({ user: 'nobody-here' }, facts(null))).toThrow(
      /not in the jail's \/etc\/passwd/,
    );
  });

  it('finds the shell through symlinks (merged /usr: /bin -> usr/bin)', () => {
    const e = (path: string, type: string, target: string | null = null) =>
      ({ path, type, target }) as unknown as ManifestEntry;
    const entries = [
      e('/', 'dir'),
      e('/bin', 'symlink', 'usr/bin'),
      e('/usr', 'dir'),
      e('/usr/bin', 'dir'),
      e('/usr/bin/sh', 'symlink', 'dash'),
      e('/usr/bin/dash', 'file'),
    ];
    expect(resolveInManifest(entries, '/bin/sh')?.path).toBe('/usr/bin/dash');
    expect(resolveInManifest(entries, '/bin/bash')).toBeNull();
    expect(resolveInManifest([e('/', 'dir'), e('/a', 'symlink', '/a')], '/a/x')).toBeNull();
  });
});

describeAsRoot('OCI layout', () => {
  const tmp = tmpDir('jailsmith-oci-');
  const jail = path.join(tmp, 'jail');
  const layout = path.join(tmp, 'image');

  beforeAll(async () => {
    await makeFeatureJail(jail);
  });

  it('umoci unpacks it into a rootfs equal to the jail, devices and capability included', async () => {
    const r = await packOci(await openPackSource(jail), layout, { tag: 'v1' });
    const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
    expect(index.manifests[0].annotations['org.opencontainers.image.ref.name']).toBe('v1');
    expect(index.manifests[0].digest).toBe(r.manifestDigest);
    const bundle = path.join(tmp, 'bundle');
    await execa('umoci', ['unpack', '--image', `${layout}:v1`, bundle]);
    const rootfs = path.join(bundle, 'rootfs');
    // The layer is a jailsmith package: its manifest comes first, as /.jailsmith/manifest.json.
    const unpacked = manifestOf(rootfs).entries.filter((e) => !e.path.startsWith('/.jailsmith'));
    expect(unpacked).toEqual(manifestOf(jail).entries);
    const { stdout } = await execa('getcap', [path.join(rootfs, 'bin/ping')]);
    expect(stdout).toContain('cap_net_raw=ep');
  });

  it('is reproducible, and adding a tag keeps the others (also one skopeo added)', async () => {
    const first = readFileSync(path.join(layout, 'index.json'));
    const again = await packOci(await openPackSource(jail), layout, { tag: 'v1' });
    expect(readFileSync(path.join(layout, 'index.json')).equals(first)).toBe(true);
    await execa('skopeo', ['copy', `oci:${layout}:v1`, `oci:${layout}:copied`]);
    const latest = await packOci(await openPackSource(jail), layout);
    expect(latest.layerDigest).toBe(again.layerDigest);
    const { stdout } = await execa('umoci', ['ls', '--layout', layout]);
    expect(stdout.trim().split('\n').sort()).toEqual(['copied', 'latest', 'v1']);
  });
});
