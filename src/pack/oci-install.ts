/**
 * Installing (or verifying) an image from an OCI layout: the tag is resolved to this host's
 * platform (through an image index), each blob is checked against its digest before it is used,
 * and the layer, a jailsmith package itself, goes through readPackage/installPackage: every entry
 * checked against the layer's manifest, written into a private staging tree, swapped in whole.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PackError } from '../errors.js';
import { checkPolicy } from '../policy/index.js';
import { type InstallOptions, type InstallResult, installPackage, verifyPackage } from './install.js';
import { POLICY_LABEL } from './oci-config.js';
import { blobPath, type Descriptor, MT, type OciIndex, REF_NAME, readBlob, readIndex } from './oci-layout.js';
import type { PackageReport } from './read-package.js';

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };
export const hostPlatform = (): string => GOARCH[process.arch] ?? process.arch;

export interface ImageRef {
  /** What the tag (or digest) names: a manifest or an index. */
  digest: string;
  /** The image manifest for this platform. */
  manifestDigest: string;
  platform: string;
  layer: Descriptor;
  /** The policy the config's label carries (null when it has none). */
  label: unknown;
}

/** LAYOUT or LAYOUT:TAG (the default tag is `latest`, or the layout's only tag). */
export function splitLayoutArg(
  arg: string,
  isLayoutDir: (p: string) => boolean,
): { dir: string; tag?: string } {
  if (isLayoutDir(arg)) return { dir: arg };
  const i = arg.lastIndexOf(':');
  if (i > 0 && isLayoutDir(arg.slice(0, i))) return { dir: arg.slice(0, i), tag: arg.slice(i + 1) };
  return { dir: arg };
}

export function pickTag(layout: string, tag: string | undefined): Descriptor {
  const all = readIndex(layout).manifests;
  const tags = all.map((m) => m.annotations?.[REF_NAME]).filter((t): t is string => t !== undefined);
  const want = tag ?? (tags.length === 1 ? tags[0] : 'latest');
  const d = all.find((m) => m.annotations?.[REF_NAME] === want);
  if (!d) {
    throw new PackError('OCI_NO_TAG', `the layout has no tag ${want}`, {
      path: layout,
      hint: tags.length > 0 ? `its tags: ${tags.join(', ')} (LAYOUT:TAG)` : 'the layout has no tags',
    });
  }
  return d;
}

/** Resolves a tag (or a digest the layout holds) to this platform's image, each blob verified. */
export function resolveImage(layout: string, tag?: string, digest?: string): ImageRef {
  const top: Descriptor = digest ? { mediaType: '', digest, size: 0 } : pickTag(layout, tag);
  let manifestDigest = top.digest;
  let bytes = readBlob(layout, top.digest);
  let doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: Descriptor[] };
  const arch = hostPlatform();
  if (doc.mediaType === MT.index || Array.isArray(doc.manifests)) {
    const list = (doc as OciIndex).manifests;
    const mine = list.find(
      (m) => m.platform?.architecture === arch && (m.platform?.os ?? 'linux') === 'linux',
    );
    if (!mine) {
      throw new PackError('OCI_NO_PLATFORM', `the image has no linux/${arch} image`, {
        path: layout,
        hint: `its platforms: ${list.map((m) => `${m.platform?.os}/${m.platform?.architecture}`).join(', ')}`,
      });
    }
    manifestDigest = mine.digest;
    bytes = readBlob(layout, mine.digest);
    doc = JSON.parse(bytes.toString('utf8'));
  }
  const m = doc as { config?: Descriptor; layers?: Descriptor[] };
  if (!m.config || !Array.isArray(m.layers) || m.layers.length !== 1 || m.layers[0]?.mediaType !== MT.layer) {
    throw new PackError(
      'OCI_NOT_JAILSMITH',
      'not a jailsmith image (one gzip layer holding a jailsmith package)',
      {
        path: layout,
      },
    );
  }
  const config = JSON.parse(readBlob(layout, m.config.digest).toString('utf8')) as {
    architecture?: string;
    config?: { Labels?: Record<string, string> };
  };
  const text = config.config?.Labels?.[POLICY_LABEL];
  let label: unknown = null;
  if (text !== undefined) {
    try {
      label = JSON.parse(text);
    } catch {
      label = text;
    }
  }
  return {
    digest: top.digest,
    manifestDigest,
    platform: `linux/${config.architecture ?? arch}`,
    layer: m.layers[0] as Descriptor,
    label,
  };
}

/** The layer blob's file after its sha256 was checked (it is read again by readPackage). */
async function checkedLayer(layout: string, layer: Descriptor): Promise<string> {
  const file = blobPath(layout, layer.digest);
  const hash = createHash('sha256');
  try {
    for await (const c of createReadStream(file)) hash.update(c as Buffer);
  } catch {
    throw new PackError('OCI_BLOB_MISSING', `the layout has no blob ${layer.digest}`, { path: file });
  }
  if (`sha256:${hash.digest('hex')}` !== layer.digest)
    throw new PackError('OCI_BLOB_MISMATCH', `blob ${layer.digest} does not match its digest`, {
      path: file,
    });
  return file;
}

/** The package's policy must be the one the config label shows (both are signed; they must agree). */
function checkLabel(img: ImageRef, report: PackageReport, layout: string): void {
  const label = img.label === null ? null : checkPolicy(img.label);
  if (typeof label === 'string') throw new PackError('OCI_BAD_POLICY', label, { path: layout });
  if (JSON.stringify(label) !== JSON.stringify(report.policy)) {
    throw new PackError('OCI_BAD_POLICY', 'the config label and the layer disagree on the run policy', {
      path: layout,
    });
  }
}

export interface ImageReport extends PackageReport {
  image: ImageRef;
}

export async function verifyImage(layout: string, tag?: string, digest?: string): Promise<ImageReport> {
  const image = resolveImage(layout, tag, digest);
  const report = await verifyPackage(await checkedLayer(layout, image.layer));
  checkLabel(image, report, layout);
  return { ...report, file: layout, image };
}

export async function installImage(
  layout: string,
  dir: string,
  opts: InstallOptions & { tag?: string; digest?: string } = {},
): Promise<InstallResult & { image: ImageRef }> {
  const image = resolveImage(layout, opts.tag, opts.digest);
  const layer = await checkedLayer(layout, image.layer);
  // Checked before anything is written: the layer's manifest and the label must agree.
  checkLabel(image, await verifyPackage(layer), layout);
  const r = await installPackage(layer, dir, { onProgress: opts.onProgress });
  return { ...r, file: layout, image };
}
