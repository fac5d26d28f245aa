import { readFileSync } from 'node:fs';
import { errnoCode } from '../errors.js';
import type { SourceRoot } from '../resolve/index.js';
import { parseDebDepends } from './deps.js';
import type { InstalledPackage, PackageDb } from './types.js';

export const DPKG_STATUS = '/var/lib/dpkg/status';

/** Splits a deb822 file into paragraphs of fields; continuation lines are joined with '\n'. */
export function parseDeb822(text: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  let cur: Record<string, string> = {};
  let last: string | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (Object.keys(cur).length > 0) out.push(cur);
      cur = {};
      last = null;
      continue;
    }
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      cur[last] = `${cur[last]}\n${line.trim()}`;
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) continue;
    last = line.slice(0, i);
    cur[last] = line.slice(i + 1).trim();
  }
  if (Object.keys(cur).length > 0) out.push(cur);
  return out;
}

/** Status words under which a package's files are on disk. */
const ON_DISK = new Set(['installed', 'half-configured', 'unpacked', 'triggers-awaited', 'triggers-pending']);

function readInRoot(root: SourceRoot, p: string): string | null {
  const real = root.realpath(p);
  if (!real) return null;
  try {
    return readFileSync(root.host(real.path), 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'EISDIR') return null;
    throw e;
  }
}

/** The dpkg database of a root, or null when it has none. */
export function openDpkg(root: SourceRoot): PackageDb | null {
  const status = readInRoot(root, DPKG_STATUS);
  if (status === null) return null;
  const nativeArch = readInRoot(root, '/var/lib/dpkg/arch')?.split('\n')[0]?.trim() || null;
  const byName = new Map<string, InstalledPackage[]>();
  const providers = new Map<string, InstalledPackage[]>();
  const multiArchSame = new Set<InstalledPackage>();
  const add = <K, V>(m: Map<K, V[]>, k: K, v: V) => m.set(k, [...(m.get(k) ?? []), v]);
  for (const para of parseDeb822(status)) {
    const name = para.Package;
    const state = (para.Status ?? '').split(/\s+/)[2];
    if (!name || !state || !ON_DISK.has(state)) continue;
    const pkg: InstalledPackage = {
      name,
      arch: para.Architecture ?? null,
      depends: [...parseDebDepends(para['Pre-Depends']), ...parseDebDepends(para.Depends)],
      provides: parseDebDepends(para.Provides).flat(),
      recommends: parseDebDepends(para.Recommends),
    };
    if (para['Multi-Arch'] === 'same') multiArchSame.add(pkg);
    add(byName, name, pkg);
    for (const p of pkg.provides) add(providers, p, pkg);
  }
  // The native architecture wins among co-installed foreign ones (libc6:amd64 vs libc6:i386).
  const pick = (list: InstalledPackage[] | undefined, arch?: string): InstalledPackage | undefined => {
    if (!list || list.length === 0) return undefined;
    if (arch) return list.find((p) => p.arch === arch || p.arch === 'all');
    return list.find((p) => p.arch === nativeArch || p.arch === 'all') ?? list[0];
  };
  return {
    kind: 'dpkg',
    path: DPKG_STATUS,
    lookup(spec: string) {
      const [name, arch] = spec.split(':') as [string, string | undefined];
      return pick(byName.get(name), arch) ?? pick(providers.get(name), arch);
    },
    files(pkg: InstalledPackage): string[] {
      const names = multiArchSame.has(pkg)
        ? [`${pkg.name}:${pkg.arch}`, pkg.name]
        : [pkg.name, `${pkg.name}:${pkg.arch}`];
      for (const n of names) {
        const text = readInRoot(root, `/var/lib/dpkg/info/${n}.list`);
        if (text !== null) return text.split('\n').filter((l) => l.startsWith('/') && l !== '/.');
      }
      return [];
    },
  };
}
