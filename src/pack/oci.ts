import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { errnoCode, PackError } from '../errors.js';
import type { RunSettings } from '../spec/index.js';
import { ROOT_PATH } from '../sys/index.js';
import { archiveSink } from './archive-sink.js';
import { packEpoch } from './entry-header.js';
import { packageEntries } from './pack.js';
import { sha256 } from './package-manifest.js';
import type { PackSource } from './source.js';
import { TarWriter } from './tar/writer.js';
import { writeTree } from './write-tree.js';

export interface OciOptions {
  tag?: string;
  mtime?: number;
}

export interface OciResult {
  dir: string;
  tag: string;
  manifestDigest: string;
  layerDigest: string;
  diffId: string;
  layerSize: number;
  entries: number;
}

const DEFAULT_PATH = `PATH=${ROOT_PATH}`;
const ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** The image config's `config` section from the spec's run settings (OCI image-spec config.md). */
export function imageConfig(run: RunSettings, hasShell: boolean): Record<string, unknown> {
  const env = Object.keys(run.env ?? {})
    .sort()
    .map((k) => `${k}=${run.env?.[k]}`);
  if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH);
  const c: Record<string, unknown> = {};
  if (run.user !== undefined) c.User = String(run.user);
  c.Env = env;
  if (run.entrypoint?.length) c.Entrypoint = run.entrypoint;
  if (run.cmd?.length) c.Cmd = run.cmd;
  else if (!run.entrypoint?.length && hasShell) c.Cmd = ['/bin/sh'];
  if (run.workdir) c.WorkingDir = run.workdir;
  return c;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function putBlob(layout: string, bytes: Buffer): { digest: string; size: number } {
  const hex = sha256(bytes);
  writeFileSync(path.join(layout, 'blobs/sha256', hex), bytes, { mode: 0o644 });
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/** An existing OCI layout may be replaced; anything else at the output path is left alone. */
function checkOutput(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory())
      throw new PackError('PACK_OUTPUT', 'output exists and is not a directory', { path: dir });
    if (readdirSync(dir).length === 0 || existsSync(path.join(dir, 'oci-layout'))) return true;
    throw new PackError('PACK_OUTPUT', 'output directory exists and is not an OCI layout', { path: dir });
  } catch (e) {
    if (e instanceof PackError) throw e;
    if (errnoCode(e) === 'ENOENT') return false;
    throw new PackError('PACK_OUTPUT', `cannot use output: ${errnoCode(e) ?? e}`, { path: dir });
  }
}

/**
 * Writes an OCI image layout: one gzip layer holding the jail tree exactly as the package would
 * (devices and FIFOs included, which the layer format allows), a config from the run settings,
 * and index.json naming the manifest by `tag`. Built in a staging dir beside `out`, then swapped in.
 */
export async function packOci(src: PackSource, out: string, opts: OciOptions = {}): Promise<OciResult> {
  const target = path.resolve(out);
  const tag = opts.tag ?? 'latest';
  const mtime = opts.mtime ?? packEpoch();
  const exists = checkOutput(target);
  let staging: string;
  try {
    staging = mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.jailsmith-`));
  } catch (e) {
    throw new PackError('PACK_OUTPUT', `cannot write beside the output: ${errnoCode(e) ?? e}`, {
      path: target,
    });
  }
  try {
    const layout = path.join(staging, 'layout');
    mkdirSync(path.join(layout, 'blobs/sha256'), { recursive: true, mode: 0o755 });
    const { entries } = packageEntries(src.dir);
    const layerFile = path.join(staging, 'layer.tar.gz');
    const sink = archiveSink(layerFile, true);
    let layer: Awaited<ReturnType<typeof sink.close>>;
    try {
      const tar = new TarWriter(sink.input);
      await writeTree(tar, src.dir, entries, mtime);
      await tar.finish();
      layer = await sink.close();
    } catch (e) {
      sink.abort();
      throw e;
    }
    renameSync(layerFile, path.join(layout, 'blobs/sha256', layer.fileSha256));
    const created = new Date(mtime * 1000).toISOString();
    const hasShell = entries.some((e) => e.path === '/bin/sh');
    const config = putBlob(
      layout,
      json({
        created,
        architecture: ARCH[process.arch] ?? process.arch,
        os: 'linux',
        config: imageConfig(src.run, hasShell),
        rootfs: { type: 'layers', diff_ids: [`sha256:${layer.tarSha256}`] },
        history: [{ created, created_by: `jailsmith pack ${src.name}` }],
      }),
    );
    const manifest = putBlob(
      layout,
      json({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [
          {
            mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
            digest: `sha256:${layer.fileSha256}`,
            size: layer.fileSize,
          },
        ],
      }),
    );
    writeFileSync(
      path.join(layout, 'index.json'),
      json({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            ...manifest,
            annotations: { 'org.opencontainers.image.ref.name': tag },
          },
        ],
      }),
    );
    writeFileSync(path.join(layout, 'oci-layout'), json({ imageLayoutVersion: '1.0.0' }));
    if (exists) renameSync(target, path.join(staging, 'old'));
    renameSync(layout, target);
    return {
      dir: target,
      tag,
      manifestDigest: manifest.digest,
      layerDigest: `sha256:${layer.fileSha256}`,
      diffId: `sha256:${layer.tarSha256}`,
      layerSize: layer.fileSize,
      entries: entries.length,
    };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
