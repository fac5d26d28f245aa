import { createHash, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PackageRefused } from '../errors.js';
import type { InstallResult } from '../pack/index.js';
import {
  type ImageRef,
  type ImageReport,
  installImage,
  minisignCheck,
  readBlob,
  readIndex,
  verifyImage,
} from '../pack/index.js';
import type { OnProgress } from '../progress.js';
import { type ImageReference, refText, signatureTag } from './ref.js';
import { type RegistryOptions, registryFlags, skopeo } from './skopeo.js';

export interface PullOptions extends RegistryOptions {
  /** Refuse unless the image's signature (tag sha256-<hex>.sig) verifies with this key. */
  trust?: KeyObject;
  onProgress?: OnProgress;
}

export interface PullResult extends InstallResult {
  ref: string;
  digest: string;
  image: ImageRef;
}

const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The minisign text of the signature image under `sha256-<hex>.sig`, fetched into `tmp`. */
async function fetchSignature(
  ref: ImageReference,
  digest: string,
  opts: RegistryOptions,
  tmp: string,
): Promise<string> {
  const src = refText(ref, { tag: signatureTag(digest) });
  const layout = path.join(tmp, 'sig');
  try {
    await skopeo(['copy', ...registryFlags(opts, 'src'), src, `oci:${layout}:sig`], src);
  } catch (e) {
    if ((e as { code?: string }).code === 'REGISTRY_NOT_FOUND')
      throw new PackageRefused('REGISTRY_UNSIGNED', `image ${digest} has no signature (${src})`, {
        path: src,
      });
    throw e;
  }
  const top = readIndex(layout).manifests[0];
  const m = JSON.parse(readBlob(layout, top?.digest ?? '').toString('utf8')) as {
    layers?: { digest: string }[];
  };
  const layer = m.layers?.[0];
  if (!layer) throw new PackageRefused('REGISTRY_BAD_SIGNATURE', `${src} holds no signature`, { path: src });
  return readBlob(layout, layer.digest, 64 * 1024).toString('utf8');
}

/**
 * Fetches REF into a private layout under `tmp`. Order matters: the manifest is fetched and (with
 * `trust`) its signature checked before any layer is downloaded; the image is then copied by that
 * digest (so the registry cannot swap it in between), each blob checked against its digest.
 */
export async function fetchImage(
  ref: ImageReference,
  opts: PullOptions,
  tmp: string,
): Promise<{ layout: string; digest: string; named: string }> {
  const named = refText(ref);
  const raw = (await skopeo(['inspect', '--raw', ...registryFlags(opts), named], named)).stdout;
  const digest = digestOf(raw);
  if (ref.digest && ref.digest !== digest) {
    throw new PackageRefused('REGISTRY_TAMPERED', `${named} serves ${digest}, not the digest asked for`, {
      path: named,
    });
  }
  if (opts.trust) {
    const text = await fetchSignature(ref, digest, opts, tmp);
    const why = minisignCheck(text, raw, opts.trust);
    if (why) throw new PackageRefused('REGISTRY_BAD_SIGNATURE', `image ${digest}: ${why}`, { path: named });
  }
  const layout = path.join(tmp, 'image');
  const byDigest = refText(ref, { digest });
  await skopeo(
    ['copy', '--all', '--preserve-digests', ...registryFlags(opts, 'src'), byDigest, `oci:${layout}:pulled`],
    byDigest,
  );
  if (!readBlob(layout, digest).equals(raw)) {
    throw new PackageRefused('REGISTRY_TAMPERED', `the copied manifest differs from ${digest}`, {
      path: named,
    });
  }
  return { layout, digest, named };
}

/** Pulls REF and installs it at DIR, which changes only when every check passed. */
export async function pullImage(
  ref: ImageReference,
  dir: string,
  opts: PullOptions = {},
): Promise<PullResult> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jailsmith-pull-'));
  try {
    const { layout, digest, named } = await fetchImage(ref, opts, tmp);
    const r = await installImage(layout, dir, { digest, onProgress: opts.onProgress });
    // The image's signature (checked above), not the layer's: a layer carries none of its own.
    const signed = Boolean(opts.trust);
    return { ...r, file: named, ref: named, digest, signed, signatureVerified: signed };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Fetches and checks REF as pull does, installing nothing. */
export async function verifyRemoteImage(
  ref: ImageReference,
  opts: PullOptions = {},
): Promise<ImageReport & { ref: string; digest: string }> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jailsmith-pull-'));
  try {
    const { layout, digest, named } = await fetchImage(ref, opts, tmp);
    const r = await verifyImage(layout, undefined, digest);
    const signed = Boolean(opts.trust);
    return { ...r, file: named, ref: named, digest, signed, signatureVerified: signed };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
