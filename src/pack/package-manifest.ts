import { createHash } from 'node:crypto';
import type { EntryType, ManifestEntry } from '../manifest/index.js';
import { checkPolicy, type RunPolicy, shippedPolicy } from '../policy/index.js';

/** `.jailsmith/manifest.json`: the tree's entries plus the digests of the other metadata files. */
export interface PackageManifest {
  format: 1;
  /** sha256 of each other `.jailsmith/` file (e.g. "setup.sh"), so one signature covers them. */
  meta: Record<string, string>;
  /**
   * The jail's run policy (binds by jail path only), so one signature covers how it runs. Absent
   * in packages made before policies travelled; they verify as before.
   */
  policy?: RunPolicy;
  entries: ManifestEntry[];
}

export const META_DIR = '.jailsmith';
export const MANIFEST_NAME = 'manifest.json';
export const SIGNATURE_NAME = 'signature';
/** The same key's signature of manifest.json itself, which minisign, signify and openssl check. */
export const MINISIG_NAME = 'manifest.json.minisig';
export const SETUP_NAME = 'setup.sh';

/** One entry with every key present, in a fixed order (the manifest's canonical shape). */
export function canonicalEntry(e: ManifestEntry): ManifestEntry {
  return {
    path: e.path,
    type: e.type,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    size: e.size,
    sha256: e.sha256,
    target: e.target,
    rdev: e.rdev,
    capability: e.capability ?? null,
  } as ManifestEntry;
}

/**
 * The exact bytes stored and signed: fixed key order, meta keys sorted, one entry per line so a
 * human can read and diff it.
 */
export function manifestBytes(m: PackageManifest): Buffer {
  const meta: Record<string, string> = {};
  for (const k of Object.keys(m.meta).sort()) meta[k] = m.meta[k] as string;
  const lines = m.entries.map((e) => `    ${JSON.stringify(canonicalEntry(e))}`);
  const policy = m.policy ? `  "policy": ${JSON.stringify(shippedPolicy(m.policy))},\n` : '';
  const text = `{\n  "format": 1,\n  "meta": ${JSON.stringify(meta)},\n${policy}  "entries": [\n${lines.join(',\n')}\n  ]\n}\n`;
  return Buffer.from(text);
}

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

const TYPES: ReadonlySet<EntryType> = new Set([
  'file',
  'dir',
  'symlink',
  'hardlink',
  'char',
  'block',
  'fifo',
]);
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isHex = (v: unknown, len?: number): v is string =>
  typeof v === 'string' && /^(?:[0-9a-f]{2})+$/.test(v) && (len === undefined || v.length === len);

/** A jail path in canonical form: '/', or '/a/b' with no empty, '.' or '..' components. */
export function isCanonicalPath(p: string): boolean {
  if (p === '/') return true;
  if (!p.startsWith('/') || p.endsWith('/') || p.includes('\0')) return false;
  return p
    .slice(1)
    .split('/')
    .every((c) => c !== '' && c !== '.' && c !== '..');
}

export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/**
 * Parses and checks a manifest read from a package; returns a reason string when it is unusable.
 * Structural rules mirror what install relies on: the root first, every parent a directory listed
 * earlier, hard links to earlier files, no duplicates.
 */
export function parseManifest(bytes: Buffer): PackageManifest | string {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    return `manifest is not JSON: ${(e as Error).message}`;
  }
  const m = raw as Partial<PackageManifest>;
  if (typeof m !== 'object' || m === null || m.format !== 1) return 'manifest format is not 1';
  if (typeof m.meta !== 'object' || m.meta === null) return 'manifest has no meta';
  for (const v of Object.values(m.meta)) if (!isHex(v, 64)) return 'manifest meta digest is not sha256 hex';
  if (!Array.isArray(m.entries) || m.entries.length === 0) return 'manifest has no entries';
  const seen = new Map<string, ManifestEntry>();
  for (const e of m.entries as ManifestEntry[]) {
    const where = typeof e?.path === 'string' ? e.path : JSON.stringify(e);
    if (typeof e?.path !== 'string' || !isCanonicalPath(e.path))
      return `manifest path ${where} is not canonical`;
    if (seen.has(e.path)) return `manifest lists ${where} twice`;
    if (!TYPES.has(e.type)) return `manifest entry ${where} has bad type`;
    if (typeof e.mode !== 'string' || !/^[0-7]{4}$/.test(e.mode))
      return `manifest entry ${where} has bad mode`;
    if (!isId(e.uid) || !isId(e.gid) || !isId(e.size)) return `manifest entry ${where} has bad numbers`;
    if (seen.size === 0 ? e.path !== '/' || e.type !== 'dir' : e.path === '/')
      return 'manifest must start with the root dir';
    if (e.path !== '/') {
      const parent = seen.get(parentOf(e.path));
      if (parent?.type !== 'dir')
        return `manifest entry ${where} is not beneath a directory listed before it`;
    }
    const isFile = e.type === 'file';
    if (isFile !== isHex(e.sha256, 64)) return `manifest entry ${where} has bad sha256`;
    if (!isFile && e.size !== 0) return `manifest entry ${where} has a size but is not a file`;
    if (e.capability !== null && !(isFile && isHex(e.capability)))
      return `manifest entry ${where} has bad capability`;
    const dev = e.type === 'char' || e.type === 'block';
    if (dev !== (Array.isArray(e.rdev) && e.rdev.length === 2 && e.rdev.every(isId))) {
      return `manifest entry ${where} has bad rdev`;
    }
    if (!dev && e.rdev !== null) return `manifest entry ${where} has bad rdev`;
    if (
      e.type === 'symlink' &&
      (typeof e.target !== 'string' || e.target === '' || e.target.includes('\0'))
    ) {
      return `manifest entry ${where} has bad target`;
    }
    if (e.type === 'hardlink' && seen.get(e.target ?? '')?.type !== 'file') {
      return `manifest hard link ${where} does not point to a file listed before it`;
    }
    if (e.type !== 'symlink' && e.type !== 'hardlink' && e.target !== null)
      return `manifest entry ${where} has bad target`;
    seen.set(e.path, e);
  }
  const out: PackageManifest = {
    format: 1,
    meta: m.meta as Record<string, string>,
    entries: m.entries as ManifestEntry[],
  };
  if (m.policy !== undefined) {
    const policy = checkPolicy(m.policy);
    if (typeof policy === 'string') return `manifest ${policy}`;
    out.policy = policy;
  }
  return out;
}
