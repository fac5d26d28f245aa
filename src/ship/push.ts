import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PackError } from '../errors.js';
import {
  jsonBytes,
  MT,
  minisignSign,
  openLayout,
  pickTag,
  putBlob,
  readBlob,
  setTag,
} from '../pack/index.js';
import { type ImageReference, refText, signatureTag } from './ref.js';
import { type RegistryOptions, registryFlags, skopeo } from './skopeo.js';

/** The signature artifact's layer: minisign's legacy format over the image's manifest bytes. */
export const SIGNATURE_MEDIA_TYPE = 'application/vnd.jailsmith.minisign.v1';

export interface PushOptions extends RegistryOptions {
  /** Tag of the layout to push (default: the layout's only tag, or latest). */
  tag?: string;
  signKey?: KeyObject;
}

export interface PushResult {
  ref: string;
  /** The digest of what the tag names (manifest or index), unchanged by the registry. */
  digest: string;
  /** Where the signature went (`REPO:sha256-<hex>.sig`), null when unsigned. */
  signature: string | null;
}

/**
 * The signature as an image of its own under the tag cosign's tools look at: a tiny config and
 * one layer holding the minisign text, which signs the exact manifest bytes (so their digest).
 */
function signatureLayout(dir: string, manifest: Buffer, digest: string, key: KeyObject): string {
  const layout = openLayout(path.join(dir, 'sig'));
  const text = Buffer.from(minisignSign(manifest, key, `jailsmith image ${digest}`));
  const layer = putBlob(layout, text);
  const config = putBlob(
    layout,
    jsonBytes({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  const m = putBlob(
    layout,
    jsonBytes({
      schemaVersion: 2,
      mediaType: MT.manifest,
      config: { mediaType: MT.config, ...config },
      layers: [{ mediaType: SIGNATURE_MEDIA_TYPE, ...layer }],
      annotations: { 'org.jailsmith.signed-digest': digest },
    }),
  );
  setTag(layout, 'sig', { mediaType: MT.manifest, ...m });
  return layout;
}

/** Pushes a layout's tag to a registry (all platforms, digests preserved), then its signature. */
export async function pushImage(
  layout: string,
  ref: ImageReference,
  opts: PushOptions = {},
): Promise<PushResult> {
  const desc = pickTag(layout, opts.tag);
  const tag = desc.annotations?.['org.opencontainers.image.ref.name'] as string;
  const dest = refText(ref, { tag: ref.tag ?? tag });
  const flags = registryFlags(opts, 'dest');
  await skopeo(['copy', '--all', '--preserve-digests', ...flags, `oci:${layout}:${tag}`, dest], dest);
  // What the registry now serves under the tag must be the very bytes we have.
  const raw = await skopeo(['inspect', '--raw', ...registryFlags(opts), dest], dest);
  const got = `sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`;
  if (got !== desc.digest) {
    throw new PackError(
      'REGISTRY_DIGEST_CHANGED',
      `the registry serves ${got} under ${dest}, not ${desc.digest}`,
      {
        path: dest,
      },
    );
  }
  let signature: string | null = null;
  if (opts.signKey) {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'jailsmith-push-'));
    try {
      const sig = signatureLayout(tmp, readBlob(layout, desc.digest), desc.digest, opts.signKey);
      signature = refText(ref, { tag: signatureTag(desc.digest) });
      await skopeo(['copy', '--preserve-digests', ...flags, `oci:${sig}:sig`, signature], signature);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return { ref: dest, digest: desc.digest, signature };
}
