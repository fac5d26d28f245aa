import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DistroError, isJailError } from '../errors.js';
import { PACKAGE_ROOT } from '../version.js';
import type { DistroProfile } from './types.js';

/** templates/distros, found from both src/distro (tests) and dist/distro (the package). */
export const PROFILE_DIR = path.join(PACKAGE_ROOT, 'templates/distros');

let cache: Map<string, DistroProfile> | null = null;

function strings(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new DistroError('DISTRO_PROFILE_INVALID', `${where} must be a list of strings`);
  return v as string[];
}

function toProfile(id: string, raw: unknown, file: string): DistroProfile {
  if (typeof raw !== 'object' || raw === null)
    throw new DistroError('DISTRO_PROFILE_INVALID', 'distro profile is not a mapping', { path: file });
  const r = raw as Record<string, unknown>;
  const sub = (k: string): Record<string, unknown> => (r[k] ?? {}) as Record<string, unknown>;
  const multiarch: Record<string, string> = {};
  for (const [k, v] of Object.entries(sub('multiarch'))) if (typeof v === 'string') multiarch[k] = v;
  const db = r.packageDb ?? 'none';
  if (!['dpkg', 'apk', 'rpm', 'pacman', 'none'].includes(String(db)))
    throw new DistroError('DISTRO_PROFILE_INVALID', `unknown packageDb ${String(db)}`, { path: file });
  try {
    return {
      id,
      matches: strings(r.matches, 'matches'),
      packageDb: db as DistroProfile['packageDb'],
      multiarch,
      libDirs: strings(r.libDirs, 'libDirs'),
      nss: {
        dirs: strings(sub('nss').dirs, 'nss.dirs'),
        modules: strings(sub('nss').modules, 'nss.modules'),
        config: strings(sub('nss').config, 'nss.config'),
      },
      ca: {
        bundles: strings(sub('ca').bundles, 'ca.bundles'),
        dirs: strings(sub('ca').dirs, 'ca.dirs'),
        openssl: strings(sub('ca').openssl, 'ca.openssl'),
      },
      python: {
        interpreters: strings(sub('python').interpreters, 'python.interpreters'),
        stdlib: strings(sub('python').stdlib, 'python.stdlib'),
      },
      tzdata: typeof r.tzdata === 'string' ? r.tzdata : '/usr/share/zoneinfo',
      terminfo: strings(r.terminfo, 'terminfo'),
    };
  } catch (e) {
    if (isJailError(e)) throw new DistroError(e.code, e.message, { path: file });
    throw e;
  }
}

/** Every profile in templates/distros, by id. */
export function loadProfiles(dir = PROFILE_DIR): Map<string, DistroProfile> {
  if (dir === PROFILE_DIR && cache) return cache;
  const out = new Map<string, DistroProfile>();
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.yaml')) continue;
    const file = path.join(dir, name);
    const id = name.slice(0, -'.yaml'.length);
    out.set(id, toProfile(id, parse(readFileSync(file, 'utf8')), file));
  }
  if (dir === PROFILE_DIR) cache = out;
  return out;
}

/**
 * The profile for an os-release ID and ID_LIKE list: an exact ID match first, then each ID_LIKE
 * in order (Ubuntu → debian, Rocky → rhel → fedora), else `generic`.
 */
export function pickProfile(id: string | null, idLike: string[], profiles = loadProfiles()): DistroProfile {
  for (const want of [id, ...idLike]) {
    if (!want) continue;
    for (const p of profiles.values()) if (p.id === want || p.matches.includes(want)) return p;
  }
  const generic = profiles.get('generic');
  if (!generic)
    throw new DistroError('DISTRO_PROFILE_MISSING', 'no generic distro profile', { path: PROFILE_DIR });
  return generic;
}

/** Expands `{triplet}`; paths needing a triplet are dropped when the architecture has none. */
export function expandProfile(p: DistroProfile, triplet: string | null): DistroProfile {
  const ex = (list: string[]): string[] =>
    list.flatMap((s) =>
      s.includes('{triplet}') ? (triplet ? [s.replaceAll('{triplet}', triplet)] : []) : [s],
    );
  return {
    ...p,
    libDirs: ex(p.libDirs),
    nss: { dirs: ex(p.nss.dirs), modules: p.nss.modules, config: ex(p.nss.config) },
    ca: { bundles: ex(p.ca.bundles), dirs: ex(p.ca.dirs), openssl: ex(p.ca.openssl) },
    python: { interpreters: ex(p.python.interpreters), stdlib: ex(p.python.stdlib) },
    terminfo: ex(p.terminfo),
  };
}
