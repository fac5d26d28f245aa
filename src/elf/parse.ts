import { ElfError } from '../errors.js';
import type { ByteSource, ElfInfo } from './types.js';

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const DT_FLAGS_1 = 0x6ffffffb;

/** No loader accepts more; they bound every read so a hostile file cannot make us allocate much. */
const MAX_PHNUM = 0xfffe;
const MAX_DYNAMIC = 1 << 20;
const MAX_STRING = 4096;
/** Bytes read up front: the ELF header and, for nearly every file, all program headers. */
const HEAD = 1024;

/** True when the buffer starts with \x7fELF. */
export function isElfMagic(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

/** A ByteSource over a Buffer already in memory. */
export function bufferSource(buf: Buffer): ByteSource {
  return {
    read(offset, length) {
      if (offset >= buf.length) return buf.subarray(0, 0);
      return buf.subarray(offset, Math.min(buf.length, offset + length));
    },
  };
}

/** Parses an ELF image held in memory. `path` only names the file in errors. */
export function parseElf(buf: Buffer, path = '<buffer>'): ElfInfo {
  return parseElfSource(bufferSource(buf), path);
}

interface Load {
  vaddr: number;
  offset: number;
  filesz: number;
}

/**
 * Parses the parts of an ELF file the loader looks at, reading only those through `src`.
 * Throws ElfError ELF_MALFORMED (with `path` and the reason) for anything out of bounds.
 */
export function parseElfSource(src: ByteSource, path: string): ElfInfo {
  const bad = (reason: string): ElfError =>
    new ElfError('ELF_MALFORMED', `malformed ELF file: ${reason}`, { path });

  let b = src.read(0, HEAD);
  if (!isElfMagic(b)) throw bad('no ELF magic');
  if (b.length < 16) throw bad('truncated ELF identification');
  const cls = b[4];
  const data = b[5];
  if (cls !== 1 && cls !== 2) throw bad(`unknown ELF class ${cls}`);
  if (data !== 1 && data !== 2) throw bad(`unknown ELF data encoding ${data}`);
  const is64 = cls === 2;
  const le = data === 1;
  const ehsize = is64 ? 64 : 52;
  if (b.length < ehsize) throw bad('truncated ELF header');

  const u16 = (buf: Buffer, o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (buf: Buffer, o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  // 64-bit fields as doubles: anything beyond 2^53 is far past any file end and fails the bounds checks.
  const u64 = (buf: Buffer, o: number): number =>
    le
      ? buf.readUInt32LE(o) + buf.readUInt32LE(o + 4) * 0x100000000
      : buf.readUInt32BE(o) * 0x100000000 + buf.readUInt32BE(o + 4);
  const word = is64 ? u64 : u32;

  const type = u16(b, 16);
  const machine = u16(b, 18);
  const phoff = is64 ? u64(b, 32) : u32(b, 28);
  const flags = u32(b, is64 ? 48 : 36);
  const phentsize = u16(b, is64 ? 54 : 42);
  const phnum = u16(b, is64 ? 56 : 44);
  const info: ElfInfo = {
    bits: is64 ? 64 : 32,
    endian: le ? 'le' : 'be',
    osabi: b[7] as number,
    type,
    machine,
    flags,
    interpreter: null,
    dynamic: false,
    needed: [],
    rpath: null,
    runpath: null,
    soname: null,
    flags1: 0,
  };
  if (phnum === 0) return info;
  if (phnum > MAX_PHNUM) throw bad(`too many program headers (${phnum})`);
  const minEnt = is64 ? 56 : 32;
  if (phentsize < minEnt) throw bad(`program header size ${phentsize} below ${minEnt}`);
  const phsize = phentsize * phnum;
  if (phoff === 0) throw bad('program header offset is 0');
  if (phoff + phsize > b.length) {
    b = src.read(phoff, phsize);
    if (b.length < phsize) throw bad('program headers past the end of the file');
  } else {
    b = b.subarray(phoff, phoff + phsize);
  }

  const loads: Load[] = [];
  let dynOff = -1;
  let dynSize = 0;
  let interpOff = -1;
  let interpSize = 0;
  for (let i = 0; i < phnum; i++) {
    const o = i * phentsize;
    const pt = u32(b, o);
    if (pt !== PT_LOAD && pt !== PT_DYNAMIC && pt !== PT_INTERP) continue;
    const offset = is64 ? u64(b, o + 8) : u32(b, o + 4);
    const vaddr = is64 ? u64(b, o + 16) : u32(b, o + 8);
    const filesz = is64 ? u64(b, o + 32) : u32(b, o + 16);
    if (pt === PT_LOAD) loads.push({ vaddr, offset, filesz });
    else if (pt === PT_DYNAMIC && dynOff < 0) {
      dynOff = offset;
      dynSize = filesz;
    } else if (pt === PT_INTERP && interpOff < 0) {
      interpOff = offset;
      interpSize = filesz;
    }
  }

  if (interpOff >= 0) {
    if (interpSize === 0 || interpSize > MAX_STRING) throw bad(`PT_INTERP size ${interpSize}`);
    const ib = src.read(interpOff, interpSize);
    if (ib.length < interpSize) throw bad('PT_INTERP past the end of the file');
    const nul = ib.indexOf(0);
    if (nul <= 0) throw bad('PT_INTERP is not a terminated path');
    info.interpreter = ib.toString('utf8', 0, nul);
  }
  if (dynOff < 0) return info;
  info.dynamic = true;

  const entsize = is64 ? 16 : 8;
  if (dynSize > MAX_DYNAMIC) throw bad(`PT_DYNAMIC size ${dynSize}`);
  const count = Math.floor(dynSize / entsize);
  const db = src.read(dynOff, count * entsize);
  if (db.length < count * entsize) throw bad('PT_DYNAMIC past the end of the file');

  const needed: number[] = [];
  let strtab = -1;
  let strsz = -1;
  let soname = -1;
  let rpath = -1;
  let runpath = -1;
  for (let i = 0; i < count; i++) {
    const o = i * entsize;
    const tag = is64 ? u64(db, o) : u32(db, o);
    if (tag === DT_NULL) break;
    const val = word(db, o + (is64 ? 8 : 4));
    switch (tag) {
      case DT_NEEDED:
        needed.push(val);
        break;
      case DT_STRTAB:
        strtab = val;
        break;
      case DT_STRSZ:
        strsz = val;
        break;
      case DT_SONAME:
        soname = val;
        break;
      case DT_RPATH:
        rpath = val;
        break;
      case DT_RUNPATH:
        runpath = val;
        break;
      case DT_FLAGS_1:
        info.flags1 = val;
        break;
    }
  }
  const offsets = [...needed];
  for (const v of [soname, rpath, runpath]) if (v >= 0) offsets.push(v);
  if (offsets.length === 0) return info;
  if (strtab < 0) throw bad('dynamic strings without DT_STRTAB');

  // DT_STRTAB is an address: find the PT_LOAD holding it to get its file offset.
  const seg = loads.find((l) => strtab >= l.vaddr && strtab < l.vaddr + l.filesz);
  if (!seg) throw bad(`DT_STRTAB 0x${strtab.toString(16)} is in no loaded segment`);
  const strOff = strtab - seg.vaddr + seg.offset;
  const segLeft = seg.vaddr + seg.filesz - strtab;
  const limit = strsz >= 0 ? Math.min(strsz, segLeft) : segLeft;

  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const v of offsets) {
    if (v >= limit) throw bad(`string offset ${v} past the string table (${limit})`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const spanEnd = Math.min(limit, hi + 256);
  const sb = src.read(strOff + lo, spanEnd - lo);
  if (sb.length < spanEnd - lo) throw bad('string table past the end of the file');
  const strings = new Map<number, string>();
  const late: number[] = [];
  for (const v of offsets) {
    if (strings.has(v)) continue;
    const nul = sb.indexOf(0, v - lo);
    if (nul >= 0) strings.set(v, sb.toString('utf8', v - lo, nul));
    else late.push(v);
  }
  // A string running past the span (longer than 256 bytes): read it on its own.
  for (const v of late) {
    const len = Math.min(limit - v, MAX_STRING);
    const lb = src.read(strOff + v, len);
    if (lb.length < len) throw bad('string table past the end of the file');
    const nul = lb.indexOf(0);
    if (nul < 0) throw bad(`unterminated string at offset ${v}`);
    strings.set(v, lb.toString('utf8', 0, nul));
  }
  const str = (v: number): string => strings.get(v) as string;
  info.needed = needed.map(str);
  if (soname >= 0) info.soname = str(soname);
  if (rpath >= 0) info.rpath = str(rpath);
  if (runpath >= 0) info.runpath = str(runpath);
  return info;
}
