import { ResolveError } from '../errors.js';
import { SourceRoot } from '../resolve/index.js';
import { detectArch } from './arch.js';
import { parseOsRelease } from './os-release.js';
import { expandProfile, pickProfile } from './profile.js';
import type { DistroInfo, OsRelease } from './types.js';

/** Directories one of which every root has; cross sysroots (/usr/aarch64-linux-gnu) have only lib/. */
const ROOT_MARKERS = ['/etc', '/usr', '/lib'];

/**
 * Refuses a directory that is not a root filesystem: one without /etc, /usr or /lib (each may be
 * a symlink inside the root, as merged-/usr makes /lib).
 */
export function assertIsRoot(root: SourceRoot): void {
  SourceRoot.open(root.dir);
  const has = ROOT_MARKERS.some((m) => root.realpath(m) !== null);
  if (!has)
    throw new ResolveError(
      'ROOT_NOT_A_ROOT',
      'source root has no /etc, /usr or /lib: not a root filesystem',
      {
        path: root.dir,
      },
    );
}

function readOsRelease(root: SourceRoot): { path: string | null; rel: OsRelease } {
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    // Absent, a directory or unreadable: try the next location, as systemd does.
    const text = root.readText(p);
    if (text !== null) return { path: p, rel: parseOsRelease(text) };
  }
  return { path: null, rel: parseOsRelease('') };
}

/**
 * Detects the distro of a root from its os-release (ID, then ID_LIKE) and its architecture, and
 * returns the matching profile with the multiarch triplet filled in.
 */
export function detectDistro(root: SourceRoot): DistroInfo {
  assertIsRoot(root);
  const { path, rel } = readOsRelease(root);
  const arch = detectArch(root);
  const base = pickProfile(rel.id, rel.idLike);
  const triplet = arch ? (base.multiarch[arch] ?? null) : null;
  return {
    root: root.dir,
    osReleasePath: path,
    osRelease: rel,
    arch,
    triplet,
    profile: expandProfile(base, triplet),
  };
}
