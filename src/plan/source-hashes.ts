import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { factKey as keyOf, settled } from '../resolve/index.js';

/**
 * sha256 of source files, remembered by (dev, ino, size, mtime ns, ctime ns). Any write, truncate
 * or rename-over changes the ctime or the inode, and ctime cannot be set from user space, so a
 * matching key means the bytes we hashed. Like git's racy-clean rule, a file changed within
 * RACY_NS of being hashed is not remembered: a second write in the same timestamp tick could
 * otherwise keep its key. createPlan stays pure: the caller (build) loads and stores the map.
 */
export class SourceHashes {
  /** The entries this run used or computed: what is worth storing for the next one. */
  readonly used = new Map<string, string>();
  /** True when `used` differs from what was loaded (something new, or something dropped). */
  get changed(): boolean {
    return this.fresh > 0 || this.used.size !== this.known.size;
  }
  /** Sums this run computed itself by reading a file: the only ones worth sharing further. */
  readonly learnt = new Map<string, string>();
  private fresh = 0;
  private readonly buf = Buffer.allocUnsafe(1 << 20);

  /**
   * `known`: what the caller's own record holds (a jail's state); `fallback`: sums shared by
   * every build and plan of this user (build/source-caches.ts), consulted after it.
   */
  constructor(
    private readonly known: ReadonlyMap<string, string> = new Map(),
    readonly fallback: ReadonlyMap<string, string> = new Map(),
  ) {}

  /**
   * The file's sha256: from the map when its key matches, else read (once, through one buffer).
   * `key`: the caller's own stat key of this very file (the plan's lstat), saving a stat on a hit.
   */
  sha256(file: string, key?: string): string {
    const k = key ?? keyOf(statSync(file, { bigint: true }));
    const hit = this.used.get(k) ?? this.known.get(k);
    if (hit !== undefined) {
      this.used.set(k, hit);
      return hit;
    }
    const shared = this.fallback.get(k);
    if (shared !== undefined) {
      this.used.set(k, shared);
      this.fresh++;
      return shared;
    }
    return this.hash(file);
  }

  private hash(file: string): string {
    // O_NONBLOCK: a FIFO swapped in for the file must not hang the plan.
    const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const before = fstatSync(fd, { bigint: true });
      const h = createHash('sha256');
      for (;;) {
        const n = readSync(fd, this.buf, 0, this.buf.length, null);
        if (n === 0) break;
        h.update(this.buf.subarray(0, n));
      }
      const sum = h.digest('hex');
      const key = keyOf(before);
      if (before.isFile() && settled(before) && keyOf(fstatSync(fd, { bigint: true })) === key) {
        this.used.set(key, sum);
        if (this.known.get(key) !== sum) this.fresh++;
        this.learnt.set(key, sum);
      }
      return sum;
    } finally {
      closeSync(fd);
    }
  }
}
