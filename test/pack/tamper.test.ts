import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { PackageRefused } from '../../src/errors.js';
import { manifestOf } from '../../src/manifest/manifest.js';
import type { ManifestEntry } from '../../src/manifest/types.js';
import { installPackage, verifyPackage } from '../../src/pack/install.js';
import { packJail } from '../../src/pack/pack.js';
import { manifestBytes, sha256 } from '../../src/pack/package-manifest.js';
import type { TarHeader } from '../../src/pack/tar/header.js';
import { TarWriter } from '../../src/pack/tar/writer.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { hdr, MARKER, makeFeatureJail } from './fixture.js';

const root: ManifestEntry = {
  path: '/',
  type: 'dir',
  mode: '0755',
  uid: 0,
  gid: 0,
  size: 0,
  sha256: null,
  target: null,
  rdev: null,
};
const fileEntry = (p: string, body: string): ManifestEntry => ({
  path: p,
  type: 'file',
  mode: '0644',
  uid: 0,
  gid: 0,
  size: body.length,
  sha256: sha256(Buffer.from(body)),
  target: null,
  rdev: null,
});

/** A package built by hand: a (possibly lying) manifest, then whatever entries a test wants. */
async function craft(
  file: string,
  manifest: ManifestEntry[],
  items: [TarHeader, string?][],
): Promise<string> {
  const out = createWriteStream(file);
  const tar = new TarWriter(out);
  await tar.add(hdr('.jailsmith/', 'dir'));
  await tar.add(
    hdr('.jailsmith/manifest.json', 'file'),
    manifestBytes({ format: 1, meta: {}, entries: manifest }),
  );
  for (const [h, body] of items) await tar.add(h, body === undefined ? undefined : Buffer.from(body));
  await tar.finish();
  out.end();
  await finished(out);
  return file;
}

describeAsRoot('install refuses tampered packages and writes nothing', () => {
  const tmp = tmpDir('jailsmith-tamper-');
  const work = path.join(tmp, 'work');
  const outside = path.join(tmp, 'outside');
  const target = path.join(work, 'jail');
  let good: string;

  beforeAll(async () => {
    mkdirSync(work);
    mkdirSync(outside);
    const jail = await makeFeatureJail(path.join(tmp, 'src'));
    good = path.join(tmp, 'good.tar');
    await packJail(jail, good, { format: 'tar' });
  });

  async function expectRefused(pkg: string, entry: string, reason: RegExp): Promise<void> {
    const before = readdirSync(work);
    const err = await installPackage(pkg, target).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PackageRefused);
    expect((err as Error).message).toContain(JSON.stringify(entry));
    expect((err as Error).message).toMatch(reason);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(work)).toEqual(before);
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(tmp, 'x'))).toBe(false);
    await expect(verifyPackage(pkg)).rejects.toBeInstanceOf(PackageRefused);
  }

  it('one flipped byte in a file', async () => {
    const bytes = readFileSync(good);
    const at = bytes.indexOf(MARKER);
    expect(at).toBeGreaterThan(0);
    bytes[at] ^= 0x01;
    const bad = path.join(tmp, 'flipped.tar');
    writeFileSync(bad, bytes);
    await expectRefused(bad, 'data/secret.txt', /sha256/);
  });

  it("an entry named '../../x'", async () => {
    const pkg = await craft(
      path.join(tmp, 'dotdot.tar'),
      [root, fileEntry('/x', 'x')],
      [[hdr('./', 'dir')], [hdr('../../x', 'file', { size: 1 }), 'x']],
    );
    await expectRefused(pkg, '../../x', /'\.\.'/);
  });

  it('a symlink followed by an entry beneath it', async () => {
    const link: ManifestEntry = { ...root, path: '/evil', type: 'symlink', mode: '0777', target: outside };
    const pkg = await craft(
      path.join(tmp, 'through.tar'),
      [root, link],
      [
        [hdr('./', 'dir')],
        [hdr('evil', 'symlink', { mode: 0o777, linkname: outside })],
        [hdr('evil/pwned', 'file', { size: 1 }), 'x'],
      ],
    );
    await expectRefused(pkg, 'evil/pwned', /through the symlink \/evil/);
  });

  it('an absolute name', async () => {
    const abs = path.join(outside, 'abs');
    const pkg = await craft(
      path.join(tmp, 'abs.tar'),
      [root],
      [[hdr('./', 'dir')], [hdr(abs, 'file', { size: 1 }), 'x']],
    );
    await expectRefused(pkg, abs, /absolute/);
  });

  it('duplicates, type changes, unlisted and missing entries', async () => {
    const a = fileEntry('/a', 'a');
    const dup = await craft(
      path.join(tmp, 'dup.tar'),
      [root, a],
      [[hdr('./', 'dir')], [hdr('a', 'file', { size: 1 }), 'a'], [hdr('a', 'file', { size: 1 }), 'a']],
    );
    await expectRefused(dup, 'a', /duplicate/);
    const typed = await craft(
      path.join(tmp, 'type.tar'),
      [root, a],
      [[hdr('./', 'dir')], [hdr('a', 'symlink', { mode: 0o644, linkname: '/etc/shadow' })]],
    );
    await expectRefused(typed, 'a', /type symlink but the manifest says file/);
    const extra = await craft(
      path.join(tmp, 'extra.tar'),
      [root],
      [[hdr('./', 'dir')], [hdr('b', 'file', { size: 1 }), 'b']],
    );
    await expectRefused(extra, 'b', /not in the manifest/);
    const missing = await craft(path.join(tmp, 'missing.tar'), [root, a], [[hdr('./', 'dir')]]);
    await expectRefused(missing, '/a', /missing/);
    const setuid = await craft(
      path.join(tmp, 'mode.tar'),
      [root, a],
      [[hdr('./', 'dir')], [hdr('a', 'file', { size: 1, mode: 0o4755 }), 'a']],
    );
    await expectRefused(setuid, 'a', /mode 4755/);
  });

  it('a refused package leaves an existing tree untouched', async () => {
    const existing = path.join(tmp, 'keep');
    await installPackage(good, existing);
    const before = manifestOf(existing);
    const bytes = readFileSync(good);
    bytes[bytes.indexOf(MARKER) + 3] ^= 0x20;
    const bad = path.join(tmp, 'flipped2.tar');
    writeFileSync(bad, bytes);
    await expect(installPackage(bad, existing)).rejects.toBeInstanceOf(PackageRefused);
    expect(manifestOf(existing)).toEqual(before);
    expect(
      readdirSync(tmp).filter((n) => n.includes('.jailsmith-') && !n.endsWith('.jailsmith-policy.json')),
    ).toEqual([]);
  });
});

describe('verify on non-packages', () => {
  const tmp = tmpDir('jailsmith-notpkg-');
  it('a file that is not a tar is unusable input (exit 2), not a refusal', async () => {
    const f = path.join(tmp, 'junk.tar');
    writeFileSync(f, 'hello world, not a tar at all');
    const err = await verifyPackage(f).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(PackageRefused);
    expect((err as { exitCode: number }).exitCode).toBe(2);
  });
});
