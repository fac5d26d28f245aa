import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { errnoCode, PackError } from '../errors.js';
import { ociSeccompProfile } from '../run/index.js';
import { archiveSink } from './archive-sink.js';
import { packEpoch } from './entry-header.js';
import { imageConfig, jailArch, jailFacts, newestMtime, SECCOMP_LABEL } from './oci-config.js';
import {
  blobPath,
  type Descriptor,
  jsonBytes,
  MT,
  type OciIndex,
  openLayout,
  putBlob,
  readBlob,
  setTag,
  tagged,
} from './oci-layout.js';
import { metaHeader, packageEntries } from './pack.js';
import { MANIFEST_NAME, META_DIR, manifestBytes } from './package-manifest.js';
import type { PackSource } from './source.js';
import { TarWriter } from './tar/writer.js';
import { writeTree } from './write-tree.js';

export { imageConfig } from './oci-config.js';

export interface OciOptions {
  tag?: string;
  /** Entry mtime in the layer; default SOURCE_DATE_EPOCH or 0. */
  mtime?: number;
  /** `created` (seconds); default SOURCE_DATE_EPOCH, else the newest mtime in the jail. */
  created?: number;
  /** Extra manifest annotations (org.opencontainers.image.revision, .source, ...). */
  annotations?: Record<string, string>;
}

export interface OciResult {
  dir: string;
  tag: string;
  /** The image manifest of this pack. */
  manifestDigest: string;
  /** What the tag names: this manifest, or an index over it and other platforms' images. */
  tagDigest: string;
  platform: string;
  /** Platforms under the tag (more than one: an image index). */
  platforms: string[];
  layerDigest: string;
  diffId: string;
  layerSize: number;
  entries: number;
  /** What the image could not carry (e.g. no seccomp profile for its architecture). */
  notes: string[];
}

function createdTime(opts: OciOptions, fallback: () => number): number {
  if (opts.created !== undefined) return opts.created;
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env !== undefined && /^\d+$/.test(env)) return Number(env);
  return fallback();
}

const platformName = (d: Descriptor): string => `${d.platform?.os ?? 'linux'}/${d.platform?.architecture}`;

/**
 * The descriptors an existing tag contributes to a multi-platform index: the platforms other than
 * `arch` (a pack for the same platform replaces its image). A single manifest's platform is read
 * from its config.
 */
function otherPlatforms(layout: string, tag: string, arch: string): Descriptor[] {
  const cur = tagged(layout, tag);
  if (!cur) return [];
  if (cur.mediaType === MT.index) {
    const idx = JSON.parse(readBlob(layout, cur.digest).toString('utf8')) as OciIndex;
    return idx.manifests.filter((m) => m.platform?.architecture !== arch);
  }
  const manifest = JSON.parse(readBlob(layout, cur.digest).toString('utf8')) as { config: Descriptor };
  const config = JSON.parse(readBlob(layout, manifest.config.digest).toString('utf8')) as {
    architecture: string;
    os: string;
  };
  if (config.architecture === arch) return [];
  const { annotations: _a, ...d } = cur;
  return [{ ...d, platform: { architecture: config.architecture, os: config.os } }];
}

/**
 * Packs a jail into an OCI image layout at `out` (created, or added to): one gzip layer holding
 * the jail tree exactly as the package would, a config from the run policy, annotations, and the
 * tag in index.json (other tags kept). When the tag already names an image of another platform,
 * the tag becomes an image index over both: the same spec packed from two roots is one image.
 */
export async function packOci(src: PackSource, out: string, opts: OciOptions = {}): Promise<OciResult> {
  const tag = opts.tag ?? 'latest';
  const mtime = opts.mtime ?? packEpoch();
  const { entries } = packageEntries(src.dir);
  const facts = jailFacts(src.dir, entries);
  const config = imageConfig(src.policy, facts);
  const entry = [...(src.policy.entrypoint ?? []).slice(0, 1), '/bin/sh'];
  const arch = jailArch(src.dir, entries, entry);
  const notes: string[] = [];
  if (src.policy.seccomp !== false) {
    // The runtime-spec form of run's filter, for runc/crun bundles made from the image
    // (`jq '.linux.seccomp = (LABEL | fromjson)'`): umoci and podman do not apply it themselves.
    const node = arch === 'amd64' ? 'x64' : arch;
    if (node === 'x64' || node === 'arm64') {
      (config.Labels as Record<string, string>)[SECCOMP_LABEL] = JSON.stringify(ociSeccompProfile(node));
    } else notes.push(`no seccomp profile for ${arch}: the image carries none (${SECCOMP_LABEL})`);
  }
  const layout = openLayout(out);
  let scratch: string;
  try {
    scratch = mkdtempSync(path.join(layout, '.jailsmith-'));
  } catch (e) {
    throw new PackError('PACK_OUTPUT', `cannot write into the layout: ${errnoCode(e) ?? e}`, {
      path: layout,
    });
  }
  try {
    const layerFile = path.join(scratch, 'layer.tar.gz');
    const sink = archiveSink(layerFile, true);
    let layer: Awaited<ReturnType<typeof sink.close>>;
    try {
      const tar = new TarWriter(sink.input);
      // The layer is a jailsmith package without setup script or signature: its manifest first,
      // so install and pull verify every entry of an image exactly as they do a package's (the
      // signature is the image's own, over the manifest digest that names this layer).
      const mbytes = manifestBytes({ format: 1, meta: {}, policy: src.policy, entries });
      await tar.add(metaHeader(`${META_DIR}/`, mtime));
      await tar.add(metaHeader(`${META_DIR}/${MANIFEST_NAME}`, mtime, mbytes.length), mbytes);
      await writeTree(tar, src.dir, entries, mtime);
      await tar.finish();
      layer = await sink.close();
    } catch (e) {
      sink.abort();
      throw e;
    }
    const layerDigest = `sha256:${layer.fileSha256}`;
    renameSync(layerFile, blobPath(layout, layerDigest));
    const created = new Date(createdTime(opts, () => newestMtime(src.dir, entries)) * 1000).toISOString();
    const cfg = putBlob(
      layout,
      jsonBytes({
        created,
        architecture: arch,
        os: 'linux',
        config,
        rootfs: { type: 'layers', diff_ids: [`sha256:${layer.tarSha256}`] },
        history: [{ created, created_by: `jailsmith pack ${src.name}` }],
      }),
    );
    const annotations: Record<string, string> = {
      'org.opencontainers.image.created': created,
      'org.opencontainers.image.title': src.name,
      ...(tag !== 'latest' ? { 'org.opencontainers.image.version': tag } : {}),
      ...opts.annotations,
    };
    const manifest = putBlob(
      layout,
      jsonBytes({
        schemaVersion: 2,
        mediaType: MT.manifest,
        config: { mediaType: MT.config, ...cfg },
        layers: [{ mediaType: MT.layer, digest: layerDigest, size: layer.fileSize }],
        annotations,
      }),
    );
    const mine: Descriptor = {
      mediaType: MT.manifest,
      ...manifest,
      platform: { architecture: arch, os: 'linux' },
    };
    const others = otherPlatforms(layout, tag, arch);
    let top: Descriptor = { mediaType: MT.manifest, ...manifest };
    if (others.length > 0) {
      const list = [...others, mine].sort((a, b) => platformName(a).localeCompare(platformName(b)));
      const idx = putBlob(layout, jsonBytes({ schemaVersion: 2, mediaType: MT.index, manifests: list }));
      top = { mediaType: MT.index, ...idx };
    }
    setTag(layout, tag, { ...top, annotations: { 'org.opencontainers.image.created': created } });
    return {
      dir: layout,
      tag,
      manifestDigest: manifest.digest,
      tagDigest: top.digest,
      platform: `linux/${arch}`,
      platforms: [...others.map(platformName), `linux/${arch}`].sort(),
      layerDigest,
      diffId: `sha256:${layer.tarSha256}`,
      layerSize: layer.fileSize,
      entries: entries.length,
      notes,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
