/**
 * The write-ahead log of a SQLite database (`<db>-wal`): which pages it holds newer copies of.
 * Only frames of committed transactions count, and only while the salts and the running checksum
 * agree with the header, as SQLite itself reads it after a crash.
 */

const WAL_MAGIC_LE = 0x377f0682;
const WAL_MAGIC_BE = 0x377f0683;
const WAL_HEADER = 32;
const FRAME_HEADER = 24;

export interface WalIndex {
  pageSize: number;
  /** page number → byte offset of its newest committed copy in the WAL buffer. */
  pages: Map<number, number>;
  /** Database size in pages after the last commit, or 0 when no frame committed. */
  dbPages: number;
}

/** Runs SQLite's WAL checksum over buf[from, to) (a multiple of 8 bytes), continuing s. */
function checksum(buf: Buffer, from: number, to: number, bigEndian: boolean, s: [number, number]): void {
  let [s0, s1] = s;
  for (let i = from; i < to; i += 8) {
    const x0 = bigEndian ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
    const x1 = bigEndian ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  s[0] = s0;
  s[1] = s1;
}

/**
 * Indexes a WAL file. Returns null when it is empty or its header is not valid (SQLite ignores
 * such a WAL too); a `fail` call for a page size that disagrees with the database.
 */
export function readWal(wal: Buffer, dbPageSize: number, fail: (why: string) => never): WalIndex | null {
  if (wal.length < WAL_HEADER) return null;
  const magic = wal.readUInt32BE(0);
  if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) return null;
  const bigEndian = magic === WAL_MAGIC_BE;
  const pageSize = wal.readUInt32BE(8);
  if (pageSize !== dbPageSize) fail(`WAL page size ${pageSize} differs from the database's ${dbPageSize}`);
  const s: [number, number] = [0, 0];
  checksum(wal, 0, 24, bigEndian, s);
  if (s[0] !== wal.readUInt32BE(24) || s[1] !== wal.readUInt32BE(28)) return null;
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  const committed = new Map<number, number>();
  const pending = new Map<number, number>();
  let dbPages = 0;
  for (let off = WAL_HEADER; off + FRAME_HEADER + pageSize <= wal.length; off += FRAME_HEADER + pageSize) {
    if (wal.readUInt32BE(off + 8) !== salt1 || wal.readUInt32BE(off + 12) !== salt2) break;
    checksum(wal, off, off + 8, bigEndian, s);
    checksum(wal, off + FRAME_HEADER, off + FRAME_HEADER + pageSize, bigEndian, s);
    if (s[0] !== wal.readUInt32BE(off + 16) || s[1] !== wal.readUInt32BE(off + 20)) break;
    const page = wal.readUInt32BE(off);
    if (page === 0) break;
    pending.set(page, off + FRAME_HEADER);
    const commitSize = wal.readUInt32BE(off + 4);
    if (commitSize !== 0) {
      // later frames win: a commit folds its frames over the earlier ones
      for (const [p, o] of pending) committed.set(p, o);
      pending.clear();
      dbPages = commitSize;
    }
  }
  return { pageSize, pages: committed, dbPages };
}
