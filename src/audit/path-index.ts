import type { Entry } from './types.js';

/** Lookups answered by a scan of the parent's children before the full map is worth building. */
const SCANS = 64;

/**
 * The context's byPath without a map of every entry up front: checks look up a few dozen paths
 * (/etc/passwd, capability holders...), and hashing 100k paths cost an audit ~0.1 s. A lookup
 * scans the children of the path's parent, which the walk listed together; past SCANS lookups, or
 * on iteration, the full map is built once and answers from then on.
 */
export class PathIndex implements ReadonlyMap<string, Entry> {
  private full: Map<string, Entry> | undefined;
  private scans = 0;

  constructor(
    private readonly list: readonly Entry[],
    private readonly listed: ReadonlyMap<string, readonly [number, number]>,
  ) {}

  private map(): Map<string, Entry> {
    if (!this.full) {
      this.full = new Map();
      for (const e of this.list) this.full.set(e.path, e);
    }
    return this.full;
  }

  get(p: string): Entry | undefined {
    if (this.full || ++this.scans > SCANS) return this.map().get(p);
    const root = this.list[0];
    if (p === '/') return root?.path === '/' ? root : undefined;
    const cut = p.lastIndexOf('/');
    if (cut < 0) return undefined;
    const range = this.listed.get(cut === 0 ? '/' : p.slice(0, cut));
    if (!range) return undefined;
    for (let i = range[0]; i < range[1]; i++) {
      const e = this.list[i] as Entry;
      if (e.path === p) return e;
    }
    return undefined;
  }

  has(p: string): boolean {
    return this.get(p) !== undefined;
  }

  get size(): number {
    return this.map().size;
  }

  forEach(fn: (value: Entry, key: string, map: ReadonlyMap<string, Entry>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.map()) fn.call(thisArg, v, k, this);
  }

  entries(): MapIterator<[string, Entry]> {
    return this.map().entries();
  }

  keys(): MapIterator<string> {
    return this.map().keys();
  }

  values(): MapIterator<Entry> {
    return this.map().values();
  }

  [Symbol.iterator](): MapIterator<[string, Entry]> {
    return this.map().entries();
  }
}
