import { createHash } from 'node:crypto';
import { type BigIntStats, closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';

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
  private fresh = 0;
  private readonly buf = Buffer.allocUnsafe(1 << 20);

  constructor(private readonly known: ReadonlyMap<string, string> = new Map()) {}

  /** The file's sha256: from the map when its key matches, else read (once, through one buffer). */
  sha256(file: string): string {
    const st = statSync(file, { bigint: true });
    const hit = this.known.get(keyOf(st));
    if (hit !== undefined) {
      this.used.set(keyOf(st), hit);
      return hit;
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
      const settled = BigInt(Date.now()) * 1_000_000n - before.ctimeNs > RACY_NS;
      if (before.isFile() && settled && keyOf(fstatSync(fd, { bigint: true })) === key) {
        this.used.set(key, sum);
        if (this.known.get(key) !== sum) this.fresh++;
      }
      return sum;
    } finally {
      closeSync(fd);
    }
  }
}

const RACY_NS = 2_000_000_000n;

function keyOf(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}
