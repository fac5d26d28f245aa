import { readdirSync, readFileSync } from 'node:fs';
import type { SourceRoot } from '../resolve/index.js';
import { stripApkVersion } from './deps.js';
import type { InstalledPackage, PackageDb } from './types.js';

export const PACMAN_LOCAL = '/var/lib/pacman/local';

interface PacmanRecord extends InstalledPackage {
  dir: string;
}

/** pacman's `desc`/`files` format: `%KEY%` then one value per line until a blank line. */
export function parsePacmanSections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let key: string | null = null;
  for (const line of text.split('\n')) {
    const m = /^%([A-Z0-9]+)%$/.exec(line);
    if (m) {
      key = m[1] as string;
      out.set(key, []);
    } else if (line === '') key = null;
    else if (key) out.get(key)?.push(line);
  }
  return out;
}

/** The pacman local database of a root (Arch), or null when it has none. */
export function openPacman(root: SourceRoot): PackageDb | null {
  const real = root.realpath(PACMAN_LOCAL);
  if (!real) return null;
  let entries: string[];
  try {
    entries = readdirSync(root.host(real.path)).sort();
  } catch {
    return null;
  }
  const byName = new Map<string, PacmanRecord>();
  const providers = new Map<string, PacmanRecord>();
  for (const dir of entries) {
    let desc: Map<string, string[]>;
    try {
      desc = parsePacmanSections(readFileSync(root.host(`${real.path}/${dir}/desc`), 'utf8'));
    } catch {
      continue; // ALPM_DB_VERSION and other plain files
    }
    const name = desc.get('NAME')?.[0];
    if (!name) continue;
    // depends look like `glibc>=2.38` or `sh`; versions do not matter for what is installed
    const rec: PacmanRecord = {
      name,
      arch: desc.get('ARCH')?.[0] ?? null,
      depends: (desc.get('DEPENDS') ?? []).map((d) => [stripApkVersion(d)]),
      provides: (desc.get('PROVIDES') ?? []).map(stripApkVersion),
      dir: `${PACMAN_LOCAL}/${dir}`,
    };
    byName.set(name, rec);
    for (const p of rec.provides) if (!providers.has(p)) providers.set(p, rec);
  }
  return {
    kind: 'pacman',
    path: PACMAN_LOCAL,
    lookup: (name) => byName.get(name) ?? providers.get(name),
    files(pkg) {
      const rp = root.realpath(`${(pkg as PacmanRecord).dir}/files`);
      if (!rp) return [];
      const files = parsePacmanSections(readFileSync(root.host(rp.path), 'utf8')).get('FILES') ?? [];
      return files.map((f) => `/${f.replace(/\/$/, '')}`);
    },
  };
}
