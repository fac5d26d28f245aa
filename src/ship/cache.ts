/**
 * `jailsmith run` on an image: an OCI layout (LAYOUT[:TAG]) or a registry reference is verified
 * and unpacked once into a cache keyed by the image's digest, then run like any installed jail
 * (with the policy the image carries). A digest names content, so a cached tree is reused as is.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installImage, isLayout, resolveImage, splitLayoutArg } from '../pack/index.js';
import { pullImage } from './pull.js';
import { type ImageReference, parseReference, refText } from './ref.js';
import { type RegistryOptions, registryFlags, skopeo } from './skopeo.js';

/** JAILSMITH_CACHE, else /var/cache/jailsmith for root, else $XDG_CACHE_HOME/jailsmith. */
export function cacheRoot(): string {
  if (process.env.JAILSMITH_CACHE) return path.resolve(process.env.JAILSMITH_CACHE);
  if (process.getuid?.() === 0) return '/var/cache/jailsmith';
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'jailsmith');
}

function cacheDir(digest: string): string {
  const dir = path.join(cacheRoot(), 'images');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return path.join(dir, digest.replace(':', '-'));
}

/** `arg` as a reference when it is no local path and reads as HOST/REPO[:TAG|@DIGEST], else null. */
export function looksLikeReference(arg: string): ImageReference | null {
  if (arg.startsWith('.') || arg.startsWith('/') || existsSync(arg)) return null;
  try {
    return parseReference(arg);
  } catch {
    return null;
  }
}

export interface RunImage {
  /** The jail directory to run. */
  dir: string;
  /** The image digest, when `arg` named an image. */
  digest: string | null;
  /** The cache was filled by this call. */
  unpacked: boolean;
}

/** A jail directory as it is; an image (layout or reference) as its cached, verified tree. */
export async function runImage(arg: string, opts: RegistryOptions = {}): Promise<RunImage> {
  const layout = splitLayoutArg(arg, isLayout);
  if (isLayout(layout.dir)) {
    const img = resolveImage(layout.dir, layout.tag);
    const dir = cacheDir(img.digest);
    if (existsSync(dir)) return { dir, digest: img.digest, unpacked: false };
    await installImage(layout.dir, dir, { digest: img.digest });
    return { dir, digest: img.digest, unpacked: true };
  }
  const ref = looksLikeReference(arg);
  if (!ref) return { dir: arg, digest: null, unpacked: false };
  const named = refText(ref);
  const raw = (await skopeo(['inspect', '--raw', ...registryFlags(opts), named], named)).stdout;
  const digest = ref.digest ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  const dir = cacheDir(digest);
  try {
    if (lstatSync(dir).isDirectory()) return { dir, digest, unpacked: false };
  } catch {
    // not cached yet
  }
  await pullImage({ ...ref, digest }, dir, opts);
  return { dir, digest, unpacked: true };
}
