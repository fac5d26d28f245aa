import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { manifestOf } from '../../src/manifest/manifest.js';
import { imageConfig, packOci } from '../../src/pack/oci.js';
import { openPackSource } from '../../src/pack/source.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { makeFeatureJail } from './fixture.js';

describe('OCI image config', () => {
  it('maps run settings to User, Env, WorkingDir, Entrypoint, Cmd', () => {
    const c = imageConfig(
      { user: 1000, env: { B: '2', A: '1' }, workdir: '/work', entrypoint: ['/bin/app'], cmd: ['--x'] },
      true,
    );
    expect(c).toEqual({
      User: '1000',
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=1', 'B=2'],
      Entrypoint: ['/bin/app'],
      Cmd: ['--x'],
      WorkingDir: '/work',
    });
    expect(imageConfig({}, true).Cmd).toEqual(['/bin/sh']);
    expect(imageConfig({}, false).Cmd).toBeUndefined();
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
    expect(manifestOf(rootfs)).toEqual(manifestOf(jail));
    const { stdout } = await execa('getcap', [path.join(rootfs, 'bin/ping')]);
    expect(stdout).toContain('cap_net_raw=ep');
  });

  it('is reproducible and replaces an existing layout under the default tag', async () => {
    const first = readFileSync(path.join(layout, 'index.json'));
    const again = await packOci(await openPackSource(jail), layout, { tag: 'v1' });
    expect(readFileSync(path.join(layout, 'index.json')).equals(first)).toBe(true);
    const latest = await packOci(await openPackSource(jail), layout);
    expect(latest.layerDigest).toBe(again.layerDigest);
    const { stdout } = await execa('umoci', ['ls', '--layout', layout]);
    expect(stdout.trim()).toBe('latest');
  });
});
