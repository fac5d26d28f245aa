import type { Stats } from 'node:fs';
import { compareBytes, manifestOf, sha256File } from '../manifest/index.js';
import type { PlanEntry } from '../plan/index.js';
import { isWithin, makeDev, under } from '../root/index.js';
import { type JailState, LINK, type StateRecord, statKey } from './state.js';

export interface Existing {
  target: string | null;
  st: Stats;
}

export interface Diff {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

export interface DiffStats {
  /** Files whose content had to be hashed (no valid state record). */
  hashed: number;
  /** Files found to hold the planned bytes, keyed by the lstat taken before reading them. */
  verified: StateRecord;
}

/**
 * lstat of every entry of a jail, not descending into preserved directories (user data). A link
 * the state recorded under the same (dev, ino, ctime, size) is not read again: a symlink's target
 * cannot change in place, a new target is a new inode.
 */
export function scanJail(
  dir: string,
  preserved: string[],
  state: JailState = new Map(),
): Map<string, Existing> {
  const out = new Map<string, Existing>();
  const keep = new Set(preserved);
  manifestOf(dir, {
    hash: false,
    capabilities: false,
    skipVanished: true,
    prune: (p) => keep.has(p),
    knownTarget: (p, st) => {
      const rec = state.get(p);
      return rec?.sha256.startsWith(LINK) && rec.key === statKey(st)
        ? rec.sha256.slice(LINK.length)
        : undefined;
    },
    onEntry: (e, st) => {
      out.set(e.path, { target: e.type === 'symlink' ? e.target : null, st });
    },
  });
  return out;
}

/**
 * Compares the completed plan with a scanned jail. Cheap checks first (type, owner, mode, size);
 * content only when those agree, from the state record when the inode is the one we wrote,
 * otherwise by hashing the file (opened O_NOFOLLOW).
 */
export function diffJail(
  dir: string,
  expected: PlanEntry[],
  existing: Map<string, Existing>,
  state: JailState,
  stats: DiffStats = { hashed: 0, verified: {} },
): Diff {
  const d: Diff = { added: [], changed: [], removed: [], unchanged: [] };
  const planned = new Set<string>();
  const preserved: string[] = [];
  const buf = Buffer.allocUnsafe(1 << 20);
  const sha = (p: string, st: Stats): string => {
    const key = statKey(st);
    const rec = state.get(p);
    let sum: string;
    if (rec !== undefined && rec.key === key) sum = rec.sha256;
    else {
      stats.hashed++;
      try {
        sum = sha256File(under(dir, p), buf);
      } catch {
        return ''; // gone, or no longer a regular file, since the scan: different
      }
    }
    stats.verified[p] = [key, sum];
    return sum;
  };
  for (const e of expected) {
    planned.add(e.path);
    if (e.type === 'dir' && e.preserve) preserved.push(e.path);
    const x = existing.get(e.path);
    // Inside a kept directory the user's data wins over planned contents (the writer moves the
    // whole directory over them): not a difference, or a no-op would never be one.
    const keeper = preserved.find((k) => e.path !== k && isWithin(e.path, k));
    if (keeper !== undefined && existing.get(keeper)?.st.isDirectory()) d.unchanged.push(e.path);
    else if (x === undefined) d.added.push(e.path);
    else if (same(e, x, existing, sha)) d.unchanged.push(e.path);
    else d.changed.push(e.path);
  }
  for (const p of existing.keys()) {
    if (planned.has(p) || preserved.some((k) => p !== k && isWithin(p, k))) continue;
    d.removed.push(p);
  }
  for (const list of Object.values(d)) list.sort(compareBytes);
  return d;
}

function same(
  e: PlanEntry,
  x: Existing,
  all: Map<string, Existing>,
  sha: (p: string, st: Stats) => string,
): boolean {
  const st = x.st;
  if (st.uid !== e.uid || st.gid !== e.gid) return false;
  const modeOk = (st.mode & 0o7777) === (e.mode & 0o7777);
  switch (e.type) {
    case 'dir':
      return st.isDirectory() && modeOk;
    case 'file':
    case 'generated':
      return st.isFile() && modeOk && st.size === e.size && sha(e.path, st) === e.sha256;
    case 'symlink':
      return st.isSymbolicLink() && x.target === e.target;
    case 'hardlink': {
      const t = all.get(e.target);
      return st.isFile() && t !== undefined && t.st.dev === st.dev && t.st.ino === st.ino;
    }
    case 'device': {
      const kindOk = e.device === 'char' ? st.isCharacterDevice() : st.isBlockDevice();
      return kindOk && modeOk && st.rdev === Number(makeDev(e.major, e.minor));
    }
  }
}
