import { readFileSync } from 'node:fs';
import { errnoCode } from '../errors.js';
import type { SourceRoot } from '../resolve/index.js';
import { parseApkDepends, stripApkVersion } from './deps.js';
import type { InstalledPackage, PackageDb } from './types.js';

export const APK_INSTALLED = '/lib/apk/db/installed';

interface ApkRecord extends InstalledPackage {
  paths: string[];
}

/**
 * Parses Alpine's installed database: blank-line separated records of `X:value` lines; `F:` opens
 * a directory (relative to /), each following `R:` is a file in it.
 */
export function parseApkInstalled(text: string): ApkRecord[] {
  const out: ApkRecord[] = [];
  let cur: ApkRecord | null = null;
  let dir = '';
  const flush = () => {
    if (cur?.name) out.push(cur);
    cur = null;
    dir = '';
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (line[1] !== ':') continue;
    cur ??= { name: '', arch: null, depends: [], provides: [], paths: [] };
    const key = line[0];
    const value = line.slice(2);
    if (key === 'P') cur.name = value;
    else if (key === 'A') cur.arch = value;
    else if (key === 'D') cur.depends.push(...parseApkDepends(value));
    else if (key === 'p') cur.provides.push(...value.split(/\s+/).filter(Boolean).map(stripApkVersion));
    else if (key === 'F') {
      dir = `/${value}`;
      cur.paths.push(dir);
    } else if (key === 'R') cur.paths.push(dir === '' ? `/${value}` : `${dir}/${value}`);
  }
  flush();
  return out;
}

/** The apk database of a root, or null when it has none. */
export function openApk(root: SourceRoot): PackageDb | null {
  const real = root.realpath(APK_INSTALLED);
  if (!real) return null;
  let text: string;
  try {
    text = readFileSync(root.host(real.path), 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'EISDIR') return null;
    throw e;
  }
  const records = parseApkInstalled(text);
  const byName = new Map<string, ApkRecord>();
  const providers = new Map<string, ApkRecord>();
  for (const r of records) {
    byName.set(r.name, r);
    for (const p of r.provides) if (!providers.has(p)) providers.set(p, r);
  }
  return {
    kind: 'apk',
    path: APK_INSTALLED,
    lookup: (name) => byName.get(name) ?? providers.get(name),
    files: (pkg) => (pkg as ApkRecord).paths ?? [],
  };
}
