/**
 * ustar headers and PAX extended records, encoded and decoded by hand: node-tar 7 never settles
 * when packing character devices, and we need byte-exact control for reproducible archives.
 */
export const BLOCK = 512;

export type TarType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

const flagOf: Record<TarType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};
const typeOf: Record<string, TarType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

export interface TarHeader {
  /** Archive name (no leading '/'; directories end in '/'). */
  name: string;
  type: TarType;
  /** Permission and special bits. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  /** Symlink target or hard link's archive name. */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes carried as SCHILY.xattr.<name> (raw bytes). */
  xattrs: Record<string, Buffer>;
}

/** Largest value a ustar octal field of `width` bytes (one byte for the NUL) can hold. */
function maxOctal(width: number): number {
  return 8 ** (width - 1) - 1;
}

function writeOctal(block: Buffer, off: number, width: number, value: number): void {
  const text = value.toString(8).padStart(width - 1, '0');
  block.write(text, off, width - 1, 'ascii');
  block[off + width - 1] = 0;
}

function writeString(block: Buffer, off: number, width: number, bytes: Buffer): void {
  bytes.copy(block, off, 0, Math.min(width, bytes.length));
}

/** One PAX record "<len> <key>=<value>\n", where len counts the whole record including itself. */
export function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

/** Builds a 512-byte ustar header; fields too large for it must already be in a PAX header. */
function ustar(h: TarHeader, name: Buffer, linkname: Buffer, flag: string, size: number): Buffer {
  const b = Buffer.alloc(BLOCK);
  writeString(b, 0, 100, name);
  writeOctal(b, 100, 8, h.mode & 0o7777);
  writeOctal(b, 108, 8, h.uid <= maxOctal(8) ? h.uid : 0);
  writeOctal(b, 116, 8, h.gid <= maxOctal(8) ? h.gid : 0);
  writeOctal(b, 124, 12, size <= maxOctal(12) ? size : 0);
  writeOctal(b, 136, 12, Math.max(0, Math.min(h.mtime, maxOctal(12))));
  b.fill(0x20, 148, 156);
  b.write(flag, 156, 1, 'ascii');
  writeString(b, 157, 100, linkname);
  b.write('ustar\u000000', 257, 8, 'ascii');
  // uname/gname stay empty: numeric owners only, no host user names.
  if (h.type === 'char' || h.type === 'block') {
    writeOctal(b, 329, 8, h.devmajor);
    writeOctal(b, 337, 8, h.devminor);
  }
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return b;
}

function padTo(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK;
}

/** The header blocks for one entry: an optional PAX 'x' header with its data, then the ustar block. */
export function encodeHeader(h: TarHeader): Buffer {
  const name = Buffer.from(h.name);
  const link = Buffer.from(h.linkname);
  const records: Buffer[] = [];
  // Sorted keys keep the PAX data byte-identical whatever order the caller built them in.
  if (h.gid > maxOctal(8)) records.push(paxRecord('gid', Buffer.from(String(h.gid))));
  if (link.length > 100) records.push(paxRecord('linkpath', link));
  if (name.length > 100) records.push(paxRecord('path', name));
  if (h.size > maxOctal(12)) records.push(paxRecord('size', Buffer.from(String(h.size))));
  if (h.uid > maxOctal(8)) records.push(paxRecord('uid', Buffer.from(String(h.uid))));
  for (const key of Object.keys(h.xattrs).sort()) {
    records.push(paxRecord(`SCHILY.xattr.${key}`, h.xattrs[key] as Buffer));
  }
  const main = ustar(h, name, link, flagOf[h.type], h.size);
  if (records.length === 0) return main;
  const data = Buffer.concat(records);
  const base = h.name.replace(/\/+$/, '').split('/').pop() || 'root';
  const paxName = Buffer.from(`PaxHeaders/${base}`).subarray(0, 100);
  const pax = ustar(
    { ...h, type: 'file', mode: 0o644, uid: 0, gid: 0 },
    paxName,
    Buffer.alloc(0),
    'x',
    data.length,
  );
  return Buffer.concat([pax, data, Buffer.alloc(padTo(data.length)), main]);
}

export function paddingFor(size: number): number {
  return padTo(size);
}

/** A decoded ustar block before PAX overrides are applied: the type still its raw flag byte. */
export type RawHeader = Omit<TarHeader, 'type' | 'xattrs'> & { flag: string };

function readString(b: Buffer, off: number, width: number): string {
  const field = b.subarray(off, off + width);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? width : nul).toString('utf8');
}

function readNumber(b: Buffer, off: number, width: number): number {
  const first = b[off] as number;
  if (first & 0x80) {
    // GNU base-256 for values past the octal range.
    let v = first & 0x3f;
    for (let i = 1; i < width; i++) v = v * 256 + (b[off + i] as number);
    return v;
  }
  const text = readString(b, off, width).trim();
  if (text === '') return 0;
  // Plain Error: TarReader turns header errors into TarFormatError, read-package into PackageRefused.
  if (!/^[0-7]+$/.test(text)) throw new Error(`bad octal field "${text}"`);
  return Number.parseInt(text, 8);
}

export function isZeroBlock(b: Buffer): boolean {
  for (const byte of b) if (byte !== 0) return false;
  return true;
}

/** Decodes one header block, checking its checksum; throws Error with a reason when malformed. */
export function decodeHeader(b: Buffer): RawHeader {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (b[i] as number);
  if (readNumber(b, 148, 8) !== sum) throw new Error('header checksum mismatch');
  let name = readString(b, 0, 100);
  if (b.toString('ascii', 257, 262) === 'ustar') {
    const prefix = readString(b, 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  return {
    name,
    flag: String.fromCharCode(b[156] as number),
    mode: readNumber(b, 100, 8),
    uid: readNumber(b, 108, 8),
    gid: readNumber(b, 116, 8),
    size: readNumber(b, 124, 12),
    mtime: readNumber(b, 136, 12),
    linkname: readString(b, 157, 100),
    devmajor: readNumber(b, 329, 8),
    devminor: readNumber(b, 337, 8),
  };
}

export function tarTypeOf(flag: string): TarType | undefined {
  return typeOf[flag];
}

/** Parses PAX records; keys are strings, values raw bytes (xattrs may be binary). */
export function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp === -1) throw new Error('bad PAX record');
    const len = Number.parseInt(data.toString('ascii', pos, sp), 10);
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > data.length) throw new Error('bad PAX record');
    const rec = data.subarray(sp + 1, pos + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq === -1 || data[pos + len - 1] !== 0x0a) throw new Error('bad PAX record');
    out.set(rec.subarray(0, eq).toString('utf8'), rec.subarray(eq + 1));
    pos += len;
  }
  return out;
}
