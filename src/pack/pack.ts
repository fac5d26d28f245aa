import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PackError } from '../errors.js';
import type { ManifestEntry } from '../manifest/index.js';
import { manifestOf, sha256File } from '../manifest/index.js';
import type { JailPlan } from '../plan/index.js';
import type { RunPolicy } from '../policy/index.js';
import type { OnProgress } from '../progress.js';
import { writeBundle } from '../script/index.js';
import { packEpoch } from './entry-header.js';
import { minisignSign } from './minisign.js';
import {
  MANIFEST_NAME,
  META_DIR,
  MINISIG_NAME,
  manifestBytes,
  type PackageManifest,
  SETUP_NAME,
  SIGNATURE_NAME,
  sha256,
} from './package-manifest.js';
import { PartFile } from './parts.js';
import { planFromManifest } from './plan-from-manifest.js';
import { signManifest } from './signature.js';
import type { TarHeader } from './tar/header.js';
import { writeTree } from './write-tree.js';

export type PackFormat = 'tar' | 'tar.gz';

export interface PackOptions {
  format: PackFormat;
  /** ed25519 private key: signs the manifest digest. */
  signKey?: KeyObject;
  /**
   * Store the bundle-mode setup script as .jailsmith/setup.sh (default true): made from `plan`
   * when given, else from a plan synthesised from the jail's manifest.
   */
  setup?: boolean;
  plan?: JailPlan;
  /** The run policy to carry in the manifest (covered by the signature). */
  policy?: RunPolicy;
  /** Jail name for a synthesised plan (default: the directory's base name). */
  name?: string;
  /** Entry mtime; default SOURCE_DATE_EPOCH or 0. */
  mtime?: number;
  /** Called as the tree's entries are packed. */
  onProgress?: OnProgress;
}

export interface PackResult {
  file: string;
  format: PackFormat;
  entries: number;
  /** sha256 of manifest.json: what a signature covers. */
  manifestSha256: string;
  sha256: string;
  size: number;
  signed: boolean;
  /** Entries left out because tar cannot carry them (sockets). */
  skipped: string[];
}

/** The jail's manifest as a package carries it: sockets dropped, /.jailsmith reserved. */
export function packageEntries(dir: string): { entries: ManifestEntry[]; skipped: string[] } {
  const all = manifestOf(dir).entries;
  if (all.some((e) => e.path === `/${META_DIR}`)) {
    throw new PackError('PACK_RESERVED_NAME', `the jail holds /${META_DIR}, a name packages reserve`, {
      path: dir,
    });
  }
  const skipped = all.filter((e) => e.type === 'socket').map((e) => e.path);
  return { entries: all.filter((e) => e.type !== 'socket'), skipped };
}

/** A header of a `.jailsmith/` metadata entry (root-owned, 0755 dir or 0644 file). */
export function metaHeader(name: string, mtime: number, size = 0): TarHeader {
  const dir = name.endsWith('/');
  return {
    name,
    type: dir ? 'dir' : 'file',
    mode: dir ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    size,
    mtime,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: {},
  };
}

interface Setup {
  file: string;
  size: number;
  sha256: string;
}

async function makeSetup(
  dir: string,
  entries: ManifestEntry[],
  opts: PackOptions,
  scratch: string,
): Promise<Setup> {
  const name = opts.name ?? (path.basename(path.resolve(dir)) || 'jail');
  const plan = opts.plan ?? planFromManifest(path.resolve(dir), name, entries);
  const file = path.join(scratch, SETUP_NAME);
  await writeBundle(plan, file);
  return { file, size: statSync(file).size, sha256: sha256File(file) };
}

/** Waits for all, then throws the first failure (none keeps running after we clean up). */
async function all<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

/**
 * Packs a jail directory into `out`: `.jailsmith/` first (manifest, setup script, signature) so a
 * reader can check everything before it extracts, then the tree in manifest order. The tree part
 * is compressed while the setup bundle is made (it does not depend on it), then the parts are
 * joined: metadata, tree, end-of-archive (each its own gzip member for tar.gz).
 */
export async function packJail(dir: string, out: string, opts: PackOptions): Promise<PackResult> {
  const mtime = opts.mtime ?? packEpoch();
  // Level 6 as gzip's default. The setup bundle's payload is gzip already: its member is stored
  // (level 0), since deflating it again at level 1 gained 1% and cost 0.25 s after everything else.
  const gzip = opts.format === 'tar.gz' ? 6 : false;
  const stored = opts.format === 'tar.gz' ? 0 : false;
  const { entries, skipped } = packageEntries(dir);
  const manifest: PackageManifest = { format: 1, meta: {}, entries };
  if (opts.policy) manifest.policy = opts.policy;
  const final = PartFile.create(out);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'jailsmith-pack-'));
  let tree: PartFile | undefined;
  try {
    tree = PartFile.create(path.join(scratch, 'tree'), path.join(scratch, 'tree.part'));
    const treePart = tree;
    const [treeBytes, setup] = await all(
      treePart.writeTar(gzip, 0, (tar) => writeTree(tar, dir, entries, mtime, opts.onProgress)),
      opts.setup === false ? Promise.resolve(undefined) : makeSetup(dir, entries, opts, scratch),
    );
    if (setup) manifest.meta[SETUP_NAME] = setup.sha256;
    const mbytes = manifestBytes(manifest);
    const digest = sha256(mbytes);
    let metaBytes = await final.writeTar(gzip, 0, async (tar) => {
      await tar.add(metaHeader(`${META_DIR}/`, mtime));
      await tar.add(metaHeader(`${META_DIR}/${MANIFEST_NAME}`, mtime), mbytes);
    });
    if (setup || opts.signKey) {
      metaBytes = await final.writeTar(stored, metaBytes, async (tar) => {
        if (setup) {
          const h = { ...metaHeader(`${META_DIR}/${SETUP_NAME}`, mtime, setup.size), mode: 0o755 };
          if ((await tar.addFile(h, setup.file)) !== setup.sha256)
            throw new PackError('PACK_SOURCE_CHANGED', 'the setup script changed while packing', {
              path: setup.file,
            });
        }
        if (opts.signKey) {
          await tar.add(
            metaHeader(`${META_DIR}/${SIGNATURE_NAME}`, mtime),
            signManifest(digest, opts.signKey),
          );
          const mini = Buffer.from(
            minisignSign(mbytes, opts.signKey, `jailsmith package manifest sha256:${digest}`),
          );
          await tar.add(metaHeader(`${META_DIR}/${MINISIG_NAME}`, mtime, mini.length), mini);
        }
      });
    }
    await final.append(treePart);
    await final.writeTar(gzip, metaBytes + treeBytes, (tar) => tar.finish());
    const fileSha = final.commit();
    return {
      file: out,
      format: opts.format,
      entries: entries.length,
      manifestSha256: digest,
      sha256: fileSha,
      size: final.size,
      signed: Boolean(opts.signKey),
      skipped,
    };
  } catch (e) {
    final.discard();
    throw e;
  } finally {
    tree?.discard();
    rmSync(scratch, { recursive: true, force: true });
  }
}
