import { createHash, type KeyObject } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { errnoCode, isJailError, PackageRefused, PackError } from '../errors.js';
import type { ManifestEntry } from '../manifest/index.js';
import type { RunPolicy } from '../policy/index.js';
import { refuse } from './errors.js';
import { minisignCheck } from './minisign.js';
import {
  MANIFEST_NAME,
  META_DIR,
  MINISIG_NAME,
  parseManifest,
  SETUP_NAME,
  SIGNATURE_NAME,
  sha256,
} from './package-manifest.js';
import { checkSignature } from './signature.js';
import { TarFormatError, TarReader } from './tar/reader.js';
import { verifyEntry } from './verify-entry.js';

/** Where verified entries go; install writes them, verify discards them. Calls are in archive order. */
export interface TreeSink {
  begin(e: ManifestEntry): void;
  write(chunk: Buffer): void;
  end(e: ManifestEntry): void;
}

export interface ReadOptions {
  /** Refuse unless signed by this key. */
  trust?: KeyObject;
  sink?: TreeSink;
}

export interface PackageReport {
  file: string;
  manifestSha256: string;
  entries: number;
  files: number;
  bytes: number;
  signed: boolean;
  /** True only when checked against a trusted key. */
  signatureVerified: boolean;
  setupScript: string | null;
  /** The run policy the package carries (covered by its signature), null when it has none. */
  policy: RunPolicy | null;
  manifest: ManifestEntry[];
}

const META_LIMIT: Record<string, number> = {
  [MANIFEST_NAME]: 512 * 1024 * 1024,
  [SETUP_NAME]: 64 * 1024 * 1024,
  [SIGNATURE_NAME]: 64 * 1024,
  [MINISIG_NAME]: 64 * 1024,
};

function isGzip(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new PackError('PACKAGE_UNREADABLE', `cannot read package: ${errnoCode(e) ?? e}`, { path: file });
  }
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } catch (e) {
    throw new PackError('PACKAGE_UNREADABLE', `cannot read package: ${errnoCode(e) ?? e}`, { path: file });
  } finally {
    closeSync(fd);
  }
}

async function collect(tar: TarReader, limit: number, name: string, pkg: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of tar.body()) {
    n += c.length;
    if (n > limit) throw refuse('PACKAGE_META_TOO_LARGE', name, 'metadata file too large', pkg);
    parts.push(Buffer.from(c));
  }
  return Buffer.concat(parts);
}

/**
 * Reads a package once, front to back: the `.jailsmith/` metadata (manifest, setup script,
 * signature) must come first and is checked before any jail entry is passed to the sink; then
 * every entry is checked against the manifest as it streams, and at the end nothing may be missing.
 */
export async function readPackage(file: string, opts: ReadOptions = {}): Promise<PackageReport> {
  const gz = isGzip(file);
  const raw = createReadStream(file);
  const stream = gz ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (e) => stream.destroy(e));
  const tar = new TarReader(stream);
  const meta = new Map<string, Buffer>();
  let checked: ReturnType<typeof verifyEntry> | undefined;
  let report: PackageReport | undefined;
  try {
    for (;;) {
      const h = await tar.next();
      if (h === null) break;
      const isMeta = h.name === `${META_DIR}/` || h.name.startsWith(`${META_DIR}/`);
      if (isMeta) {
        if (checked) throw refuse('PACKAGE_META_LATE', h.name, 'metadata after the jail entries', file);
        const base = h.name.slice(META_DIR.length + 1);
        if (base === '') continue;
        const limit = META_LIMIT[base];
        if (limit === undefined || h.type !== 'file') {
          throw refuse('PACKAGE_META_UNKNOWN', h.name, 'unknown metadata entry', file);
        }
        if (meta.has(base)) throw refuse('PACKAGE_DUPLICATE', h.name, 'duplicate name', file);
        meta.set(base, await collect(tar, limit, h.name, file));
        continue;
      }
      if (!checked) {
        report = checkMeta(file, meta, opts.trust);
        checked = verifyEntry(report.manifest, file);
      }
      const e = checked.header(h);
      sinkCall(() => opts.sink?.begin(e), e.path);
      if (e.type === 'file') {
        const hash = createHash('sha256');
        let n = 0;
        for await (const c of tar.body()) {
          hash.update(c);
          n += c.length;
          sinkCall(() => opts.sink?.write(c), e.path);
        }
        if (n !== e.size || hash.digest('hex') !== e.sha256) {
          throw refuse(
            'PACKAGE_CONTENT_MISMATCH',
            h.name,
            'content does not match the manifest (sha256)',
            file,
          );
        }
        report!.files += 1;
        report!.bytes += n;
      }
      sinkCall(() => opts.sink?.end(e), e.path);
    }
    if (!checked || !report) {
      if (meta.size === 0)
        throw new PackError('PACKAGE_NOT_JAILSMITH', 'not a jailsmith package (empty)', { path: file });
      report = checkMeta(file, meta, opts.trust);
      checked = verifyEntry(report.manifest, file);
    }
    checked.finish();
    report.entries = report.manifest.length;
    return report;
  } catch (e) {
    if (isJailError(e)) throw e;
    const msg = e instanceof TarFormatError ? e.message : `cannot read archive: ${(e as Error).message}`;
    // Damage after the manifest was read is a failed check; before it, the input is unusable.
    if (checked) throw new PackageRefused('PACKAGE_CORRUPT', `package refused: ${msg}`, { path: file });
    throw new PackError('PACKAGE_UNREADABLE', `not a readable jailsmith package: ${msg}`, { path: file });
  } finally {
    raw.destroy();
  }
}

/**
 * A write that fails (disk full, mknod refused) is the machine's problem, not the package's. A
 * sink's own typed error (src/root's, naming the entry) passes through as it is.
 */
function sinkCall(fn: () => void, where: string): void {
  try {
    fn();
  } catch (e) {
    if (isJailError(e)) throw e;
    throw new PackError('INSTALL_FAILED', `cannot write ${where}: ${errnoCode(e) ?? (e as Error).message}`, {
      path: where,
    });
  }
}

function checkMeta(file: string, meta: Map<string, Buffer>, trust: KeyObject | undefined): PackageReport {
  const mbytes = meta.get(MANIFEST_NAME);
  if (!mbytes) {
    throw new PackError(
      'PACKAGE_NOT_JAILSMITH',
      `not a jailsmith package: no ${META_DIR}/${MANIFEST_NAME} first`,
      {
        path: file,
      },
    );
  }
  const m = parseManifest(mbytes);
  if (typeof m === 'string') throw refuse('PACKAGE_BAD_MANIFEST', `${META_DIR}/${MANIFEST_NAME}`, m, file);
  const digest = sha256(mbytes);
  const sig = meta.get(SIGNATURE_NAME);
  const mini = meta.get(MINISIG_NAME);
  if (trust) {
    // Packages before 0.2 carry only `signature`; either present must verify, and one must be.
    if (!sig && !mini)
      throw refuse('PACKAGE_UNSIGNED', `${META_DIR}/${SIGNATURE_NAME}`, 'package is not signed', file);
    const why = sig ? checkSignature(sig, digest, trust) : null;
    if (why) throw refuse('PACKAGE_BAD_SIGNATURE', `${META_DIR}/${SIGNATURE_NAME}`, why, file);
    const whyMini = mini ? minisignCheck(mini.toString('utf8'), mbytes, trust) : null;
    if (whyMini) throw refuse('PACKAGE_BAD_SIGNATURE', `${META_DIR}/${MINISIG_NAME}`, whyMini, file);
  }
  for (const name of meta.keys()) {
    if (name === MANIFEST_NAME || name === SIGNATURE_NAME || name === MINISIG_NAME) continue;
    if (m.meta[name] !== sha256(meta.get(name) as Buffer)) {
      throw refuse('PACKAGE_CONTENT_MISMATCH', `${META_DIR}/${name}`, 'does not match the manifest', file);
    }
  }
  for (const name of Object.keys(m.meta)) {
    if (!meta.has(name))
      throw refuse('PACKAGE_MISSING', `${META_DIR}/${name}`, 'listed in the manifest but missing', file);
  }
  const setup = meta.get(SETUP_NAME);
  return {
    file,
    manifestSha256: digest,
    entries: 0,
    files: 0,
    bytes: 0,
    signed: Boolean(sig || mini),
    signatureVerified: Boolean(trust),
    setupScript: setup ? setup.toString('utf8') : null,
    policy: m.policy ?? null,
    manifest: m.entries,
  };
}
