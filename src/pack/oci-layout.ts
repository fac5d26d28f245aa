/**
 * An OCI image layout on disk (image-spec image-layout.md), written the way umoci and skopeo do:
 * content-addressed blobs added beside the others (a new name, renamed in), index.json replaced
 * whole by a rename. Adding a tag keeps every other tag of the layout.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { errnoCode, PackError } from '../errors.js';

export const MT = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;
export const REF_NAME = 'org.opencontainers.image.ref.name';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface OciIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

const hexOf = (digest: string): string => {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new PackError('OCI_BAD_DIGEST', `not a sha256 digest: ${digest}`);
  return digest.slice('sha256:'.length);
};

export function blobPath(layout: string, digest: string): string {
  return path.join(layout, 'blobs/sha256', hexOf(digest));
}

/** Adds a blob (a no-op when the layout has it); returns its descriptor's digest and size. */
export function putBlob(layout: string, bytes: Buffer): { digest: string; size: number } {
  const hex = createHash('sha256').update(bytes).digest('hex');
  const file = path.join(layout, 'blobs/sha256', hex);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes, { mode: 0o644 });
    renameSync(tmp, file);
  }
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/** A blob's bytes, refused unless they hash to its name (a layout is input like any other). */
export function readBlob(layout: string, digest: string, limit = 64 * 1024 * 1024): Buffer {
  const file = blobPath(layout, digest);
  let bytes: Buffer;
  try {
    if (lstatSync(file).size > limit)
      throw new PackError('OCI_BLOB_TOO_LARGE', 'blob too large', { path: file });
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof PackError) throw e;
    throw new PackError('OCI_BLOB_MISSING', `the layout has no blob ${digest}`, { path: file });
  }
  if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== digest)
    throw new PackError('OCI_BLOB_MISMATCH', `blob ${digest} does not match its digest`, { path: file });
  return bytes;
}

export function isLayout(dir: string): boolean {
  try {
    return lstatSync(dir).isDirectory() && lstatSync(path.join(dir, 'oci-layout')).isFile();
  } catch {
    return false;
  }
}

export function readIndex(layout: string): OciIndex {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
  } catch (e) {
    throw new PackError('OCI_BAD_LAYOUT', `cannot read index.json: ${errnoCode(e) ?? (e as Error).message}`, {
      path: layout,
    });
  }
  const idx = raw as OciIndex;
  if (idx?.schemaVersion !== 2 || !Array.isArray(idx.manifests))
    throw new PackError('OCI_BAD_LAYOUT', 'index.json is not an OCI image index', { path: layout });
  return idx;
}

/** Replaces index.json whole (a new file renamed over it). */
export function writeIndex(layout: string, idx: OciIndex): void {
  const file = path.join(layout, 'index.json');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, jsonBytes(idx), { mode: 0o644 });
  renameSync(tmp, file);
}

/** The descriptor a tag names in the layout, or undefined. */
export function tagged(layout: string, tag: string): Descriptor | undefined {
  return readIndex(layout).manifests.find((m) => m.annotations?.[REF_NAME] === tag);
}

/** Points `tag` at `desc`, keeping every other entry of index.json (tags skopeo or umoci added). */
export function setTag(layout: string, tag: string, desc: Descriptor): void {
  const idx = readIndex(layout);
  const others = idx.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
  const mine = { ...desc, annotations: { ...desc.annotations, [REF_NAME]: tag } };
  writeIndex(layout, { ...idx, schemaVersion: 2, mediaType: MT.index, manifests: [...others, mine] });
}

/**
 * An existing layout at `dir`, or a new empty one made in a staging dir beside it and renamed in.
 * Anything else at `dir` (a file, a non-empty directory that is not a layout) is left alone.
 */
export function openLayout(dir: string): string {
  const target = path.resolve(dir);
  let empty = false;
  try {
    const st = lstatSync(target);
    if (!st.isDirectory())
      throw new PackError('PACK_OUTPUT', 'output exists and is not a directory', { path: target });
    if (isLayout(target)) return target;
    if (readdirSync(target).length > 0)
      throw new PackError('PACK_OUTPUT', 'output directory exists and is not an OCI layout', {
        path: target,
      });
    empty = true;
  } catch (e) {
    if (e instanceof PackError) throw e;
    if (errnoCode(e) !== 'ENOENT')
      throw new PackError('PACK_OUTPUT', `cannot use output: ${errnoCode(e) ?? e}`, { path: target });
  }
  let staging: string;
  try {
    staging = mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.jailsmith-`));
  } catch (e) {
    throw new PackError('PACK_OUTPUT', `cannot write beside the output: ${errnoCode(e) ?? e}`, {
      path: target,
    });
  }
  try {
    mkdirSync(path.join(staging, 'blobs/sha256'), { recursive: true, mode: 0o755 });
    writeFileSync(path.join(staging, 'oci-layout'), jsonBytes({ imageLayoutVersion: '1.0.0' }));
    writeIndex(staging, { schemaVersion: 2, mediaType: MT.index, manifests: [] });
    if (empty) rmdirSync(target);
    renameSync(staging, target);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw new PackError('PACK_OUTPUT', `cannot create the layout: ${errnoCode(e) ?? e}`, { path: target });
  }
  return target;
}
