import type { BigIntStats } from 'node:fs';
import type { Sniffed } from '../elf/index.js';

/** What a regular file turned out to be when sniffed: never 'dir' (directories are not cached). */
export type FileFact = Exclude<Sniffed, { kind: 'dir' }>;

/**
 * A file changed within this long of being read is not remembered: a second write in the same
 * timestamp tick could keep its key (git's racy-clean rule). Shared with SourceHashes.
 */
export const RACY_NS = 2_000_000_000n;

/**
 * The cache key of a file's bytes: (dev, inode, size, mtime ns, ctime ns). Any write, truncate,
 * chmod or rename-over changes the ctime or the inode, and ctime cannot be set from user space,
 * so a file with a matching key holds the bytes that were read under it.
 */
export function factKey(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** True when the file's last change is old enough for its key to be trusted (see RACY_NS). */
export function settled(st: BigIntStats, nowNs = BigInt(Date.now()) * 1_000_000n): boolean {
  return nowNs - st.ctimeNs > RACY_NS;
}

/**
 * Per-file facts of the source root by stat key: whether a file is ELF (with the parsed headers
 * and dynamic section the resolver needs), a `#!` script (its line), or neither. A rebuild with
 * nothing changed then costs one lstat per source file instead of an open, a read and a close.
 * Pure data: the caller (build, plan) loads and stores it; the resolver only reads and adds.
 */
export class FileFacts {
  /** The entries this run used or learnt: what is worth storing for the next one. */
  readonly used = new Map<string, FileFact>();
  /** Facts this run found itself by reading a file: the only ones worth sharing further. */
  readonly learnt = new Map<string, FileFact>();
  private fresh = 0;

  /**
   * `known`: what the caller's own record holds (a jail's state); `fallback`: facts shared by
   * every build and plan of this user (build/source-caches.ts), consulted after it.
   */
  constructor(
    private readonly known: ReadonlyMap<string, FileFact> = new Map(),
    readonly fallback: ReadonlyMap<string, FileFact> = new Map(),
  ) {}

  /** True when `used` differs from what was loaded (something new, or something dropped). */
  get changed(): boolean {
    return this.fresh > 0 || this.used.size !== this.known.size;
  }

  get(key: string): FileFact | undefined {
    const hit = this.used.get(key) ?? this.known.get(key);
    if (hit !== undefined) {
      this.used.set(key, hit);
      return hit;
    }
    const shared = this.fallback.get(key);
    if (shared !== undefined) {
      this.used.set(key, shared);
      this.fresh++;
    }
    return shared;
  }

  /** Remembers what the file read under `key` is; the caller checked the key held during the read. */
  set(key: string, fact: FileFact): void {
    if (!this.known.has(key)) this.fresh++;
    this.used.set(key, fact);
    this.learnt.set(key, fact);
  }
}

/** Loads facts from parsed JSON, dropping anything not shaped like a fact (a corrupt file is no cache). */
export function factsFromJson(data: unknown): Map<string, FileFact> {
  const out = new Map<string, FileFact>();
  if (typeof data !== 'object' || data === null) return out;
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (isFact(v)) out.set(k, v);
  }
  return out;
}

function isFact(v: unknown): v is FileFact {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as { kind?: unknown; line?: unknown; elf?: unknown };
  if (f.kind === 'other') return true;
  if (f.kind === 'script') return typeof f.line === 'string';
  if (f.kind !== 'elf' || typeof f.elf !== 'object' || f.elf === null) return false;
  const e = f.elf as Record<string, unknown>;
  const str = (x: unknown) => x === null || typeof x === 'string';
  return (
    (e.bits === 32 || e.bits === 64) &&
    (e.endian === 'le' || e.endian === 'be') &&
    typeof e.osabi === 'number' &&
    typeof e.type === 'number' &&
    typeof e.machine === 'number' &&
    typeof e.flags === 'number' &&
    typeof e.dynamic === 'boolean' &&
    typeof e.flags1 === 'number' &&
    Array.isArray(e.needed) &&
    e.needed.every((n) => typeof n === 'string') &&
    str(e.interpreter) &&
    str(e.rpath) &&
    str(e.runpath) &&
    str(e.soname)
  );
}
