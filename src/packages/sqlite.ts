import { SpecError } from '../errors.js';
import { readWal, type WalIndex } from './sqlite-wal.js';

/**
 * A read-only reader of the SQLite file format (https://sqlite.org/fileformat2.html), enough to
 * walk one rowid table: Node 20 has no node:sqlite and native modules are not wanted. Every offset
 * is bounds-checked; a malformed file gives PACKAGES_DB_CORRUPT naming it, never a crash or a loop.
 */

export type SqlValue = null | number | bigint | string | Buffer;

export interface SqlRow {
  rowid: number;
  values: SqlValue[];
}

const MAGIC = 'SQLite format 3\0';
/** Deeper than any real b-tree (a 4-level tree already holds billions of rows). */
const MAX_DEPTH = 40;

export class SqliteFile {
  readonly label: string;
  readonly pageSize: number;
  /** Page size minus the bytes reserved at the end of each page. */
  readonly usable: number;
  readonly pageCount: number;
  private readonly db: Buffer;
  private readonly wal: Buffer | null;
  private readonly walIndex: WalIndex | null;

  /** label names the file in errors (its host path). */
  constructor(db: Buffer, wal: Buffer | null, label: string) {
    this.label = label;
    this.db = db;
    if (db.length < 100 || db.toString('latin1', 0, 16) !== MAGIC)
      this.fail(
        db.length < 100 ? 'file is shorter than the 100-byte SQLite header' : 'not a SQLite 3 database',
      );
    const raw = db.readUInt16BE(16);
    this.pageSize = raw === 1 ? 65536 : raw;
    if (this.pageSize < 512 || (this.pageSize & (this.pageSize - 1)) !== 0)
      this.fail(`invalid page size ${raw}`);
    this.usable = this.pageSize - (db[20] as number);
    if (this.usable < 480) this.fail(`too many reserved bytes per page (${db[20]})`);
    const encoding = db.readUInt32BE(56);
    if (encoding !== 1) this.fail(`text encoding ${encoding} is not UTF-8 (only UTF-8 databases are read)`);
    this.wal = wal && wal.length > 0 ? wal : null;
    this.walIndex = this.wal ? readWal(this.wal, this.pageSize, (why) => this.fail(why)) : null;
    // The in-header size is valid only when the version-valid-for number matches the change counter.
    const inHeader = db.readUInt32BE(28);
    const sizeValid = inHeader !== 0 && db.readUInt32BE(24) === db.readUInt32BE(92);
    const fromFile = Math.floor(db.length / this.pageSize);
    this.pageCount = this.walIndex?.dbPages || (sizeValid ? inHeader : fromFile);
  }

  fail(why: string): never {
    // no hint line: a corrupt database is one line of error, the file named
    throw new SpecError('PACKAGES_DB_CORRUPT', `unreadable SQLite database: ${why}`, { path: this.label });
  }

  /** One page's bytes, the newest committed WAL copy first. */
  page(n: number): Buffer {
    if (!Number.isInteger(n) || n < 1 || n > this.pageCount) this.fail(`page number ${n} out of range`);
    const inWal = this.walIndex?.pages.get(n);
    if (inWal !== undefined && this.wal) return this.wal.subarray(inWal, inWal + this.pageSize);
    const start = (n - 1) * this.pageSize;
    if (start + this.pageSize > this.db.length) this.fail(`page ${n} lies past the end of the file`);
    return this.db.subarray(start, start + this.pageSize);
  }

  /** Reads a varint at off within page; returns [value, length]. */
  private varint(buf: Buffer, off: number, end: number): [number, number] {
    let v = 0;
    for (let i = 0; i < 9; i++) {
      if (off + i >= end) this.fail('varint runs past its page');
      const b = buf[off + i] as number;
      if (i === 8) return [v * 256 + b, 9];
      v = v * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) return [v, i + 1];
    }
    return this.fail('bad varint');
  }

  /** Every row of the table b-tree rooted at `root`, in rowid order. */
  *rows(root: number): Generator<SqlRow> {
    yield* this.walk(root, new Set<number>(), 0);
  }

  private *walk(n: number, seen: Set<number>, depth: number): Generator<SqlRow> {
    if (seen.has(n)) this.fail(`page ${n} is reached twice (a page cycle)`);
    if (depth > MAX_DEPTH) this.fail('b-tree is deeper than any real one');
    seen.add(n);
    const page = this.page(n);
    const h = n === 1 ? 100 : 0;
    const type = page[h] as number;
    if (type !== 0x05 && type !== 0x0d) this.fail(`page ${n} is not a table b-tree page (type ${type})`);
    const leaf = type === 0x0d;
    const cells = page.readUInt16BE(h + 3);
    const ptrs = h + (leaf ? 8 : 12);
    if (ptrs + 2 * cells > this.usable) this.fail(`page ${n} claims ${cells} cells`);
    for (let i = 0; i < cells; i++) {
      const off = page.readUInt16BE(ptrs + 2 * i);
      if (off < ptrs + 2 * cells || off >= this.usable) this.fail(`cell ${i} of page ${n} is out of bounds`);
      if (leaf) yield this.leafCell(page, off, n);
      else {
        if (off + 4 > this.usable) this.fail(`cell ${i} of page ${n} is out of bounds`);
        yield* this.walk(page.readUInt32BE(off), seen, depth + 1);
      }
    }
    if (!leaf) yield* this.walk(page.readUInt32BE(h + 8), seen, depth + 1);
  }

  private leafCell(page: Buffer, off: number, n: number): SqlRow {
    const U = this.usable;
    const [size, l1] = this.varint(page, off, U);
    const [rowid, l2] = this.varint(page, off + l1, U);
    const start = off + l1 + l2;
    if (size > this.pageCount * U) this.fail(`cell payload size ${size} on page ${n} exceeds the file`);
    // Local payload size, exactly as the file format specifies for table leaf cells.
    const X = U - 35;
    let local = size;
    if (size > X) {
      const M = Math.floor(((U - 12) * 32) / 255) - 23;
      const K = M + ((size - M) % (U - 4));
      local = K <= X ? K : M;
    }
    if (start + local + (local < size ? 4 : 0) > U) this.fail(`cell payload of page ${n} runs past the page`);
    const payload = Buffer.alloc(size);
    page.copy(payload, 0, start, start + local);
    if (local < size) this.overflow(page.readUInt32BE(start + local), payload, local);
    return { rowid, values: this.record(payload) };
  }

  private overflow(first: number, into: Buffer, from: number): void {
    const seen = new Set<number>();
    let next = first;
    let at = from;
    while (at < into.length) {
      if (next === 0) this.fail('overflow chain ends before the payload does');
      if (seen.has(next)) this.fail(`overflow page ${next} is reached twice (a page cycle)`);
      seen.add(next);
      const page = this.page(next);
      const take = Math.min(this.usable - 4, into.length - at);
      page.copy(into, at, 4, 4 + take);
      at += take;
      next = page.readUInt32BE(0);
    }
  }

  /** Decodes a record: a header of serial types, then the values. */
  record(p: Buffer): SqlValue[] {
    const [hlen, l] = this.varint(p, 0, p.length);
    if (hlen < l || hlen > p.length) this.fail('record header size out of range');
    const types: number[] = [];
    for (let o = l; o < hlen; ) {
      const [t, n] = this.varint(p, o, hlen);
      types.push(t);
      o += n;
    }
    const out: SqlValue[] = [];
    let o = hlen;
    for (const t of types) {
      const len = serialLength(t);
      if (len < 0) this.fail(`reserved serial type ${t} in a record`);
      if (o + len > p.length) this.fail('record value runs past its payload');
      out.push(decode(p, o, t, len));
      o += len;
    }
    return out;
  }

  /** The root page of a table named in sqlite_schema (page 1), or null when there is none. */
  tableRoot(name: string): number | null {
    for (const row of this.rows(1)) {
      const [type, rowName, , root] = row.values;
      if (type === 'table' && typeof rowName === 'string' && rowName.toLowerCase() === name.toLowerCase())
        return typeof root === 'number' ? root : this.fail(`table ${name} has no root page`);
    }
    return null;
  }
}

const INT_LENGTHS = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0];

function serialLength(t: number): number {
  if (t < 10) return INT_LENGTHS[t] as number;
  if (t < 12) return -1;
  return Math.floor((t - (t % 2 === 0 ? 12 : 13)) / 2);
}

function decode(p: Buffer, o: number, t: number, len: number): SqlValue {
  if (t === 0) return null;
  if (t === 8) return 0;
  if (t === 9) return 1;
  if (t === 7) return p.readDoubleBE(o);
  if (t <= 6) {
    if (len === 8) {
      const v = p.readBigInt64BE(o);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    return p.readIntBE(o, len);
  }
  if (t % 2 === 0) return Buffer.from(p.subarray(o, o + len));
  return p.toString('utf8', o, o + len);
}
