/**
 * An rpm header as rpmdb stores it (without the 8-byte magic): be32 index count, be32 data
 * length, 16-byte index entries (tag, type, offset, count), then the data store. Only the typed
 * values jails need are decoded; every offset and count is checked against the data store.
 */

export const TAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  FILEMODES: 1030,
  FILEFLAGS: 1037,
  PROVIDENAME: 1047,
  REQUIREFLAGS: 1048,
  REQUIRENAME: 1049,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
} as const;

const T_INT8 = 2;
const T_INT16 = 3;
const T_INT32 = 4;
const T_STRING = 6;
const T_STRING_ARRAY = 8;
const T_I18NSTRING = 9;

/** A header no index entry can make us read outside of. */
export class RpmHeaderError extends Error {}

interface Entry {
  type: number;
  offset: number;
  count: number;
}

export class RpmHeader {
  private readonly entries = new Map<number, Entry>();
  private readonly data: Buffer;

  constructor(blob: Buffer) {
    if (blob.length < 8) throw new RpmHeaderError('header is shorter than 8 bytes');
    const il = blob.readUInt32BE(0);
    const dl = blob.readUInt32BE(4);
    const start = 8 + il * 16;
    if (il > 0xffff || start + dl > blob.length)
      throw new RpmHeaderError(`header claims ${il} entries and ${dl} data bytes in ${blob.length}`);
    this.data = blob.subarray(start, start + dl);
    for (let i = 0; i < il; i++) {
      const o = 8 + i * 16;
      const tag = blob.readUInt32BE(o);
      const e = {
        type: blob.readUInt32BE(o + 4),
        offset: blob.readInt32BE(o + 8),
        count: blob.readUInt32BE(o + 12),
      };
      if (e.offset < 0 || e.offset > dl)
        throw new RpmHeaderError(`tag ${tag} has offset ${e.offset} outside the data`);
      if (!this.entries.has(tag)) this.entries.set(tag, e);
    }
  }

  /** NUL-terminated strings of a STRING, STRING_ARRAY or I18NSTRING tag; [] when absent. */
  strings(tag: number): string[] {
    const e = this.entries.get(tag);
    if (!e) return [];
    if (e.type !== T_STRING && e.type !== T_STRING_ARRAY && e.type !== T_I18NSTRING)
      throw new RpmHeaderError(`tag ${tag} has type ${e.type}, not a string`);
    const n = e.type === T_STRING ? 1 : e.count;
    if (n > this.data.length) throw new RpmHeaderError(`tag ${tag} claims ${n} strings`);
    const out: string[] = [];
    let o = e.offset;
    for (let i = 0; i < n; i++) {
      const end = this.data.indexOf(0, o);
      if (end < 0) throw new RpmHeaderError(`string of tag ${tag} runs past the data`);
      out.push(this.data.toString('utf8', o, end));
      o = end + 1;
    }
    return out;
  }

  string(tag: number): string | null {
    return this.strings(tag)[0] ?? null;
  }

  /** Unsigned integers of an INT8/16/32 tag; [] when absent. */
  ints(tag: number): number[] {
    const e = this.entries.get(tag);
    if (!e) return [];
    const size = e.type === T_INT8 ? 1 : e.type === T_INT16 ? 2 : e.type === T_INT32 ? 4 : 0;
    if (size === 0) throw new RpmHeaderError(`tag ${tag} has type ${e.type}, not an integer`);
    if (e.offset + e.count * size > this.data.length)
      throw new RpmHeaderError(`tag ${tag} claims ${e.count} values past the data`);
    const out = new Array<number>(e.count);
    for (let i = 0; i < e.count; i++) out[i] = this.data.readUIntBE(e.offset + i * size, size);
    return out;
  }
}
