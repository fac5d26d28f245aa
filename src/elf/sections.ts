import { ElfError } from '../errors.js';
import { isElfMagic } from './parse.js';

/**
 * What discovery reads from a whole ELF file: the dynamic symbols it imports (undefined in
 * .dynsym: what it calls in other objects) and the bytes of its read-only data (.rodata), where
 * a program keeps the literal strings it opens or runs. Section headers, not the loader's view:
 * a stripped program still has both sections (only .symtab is stripped).
 */
export interface ElfSections {
  imports: string[];
  /** .rodata (empty when the file has none or it lies outside the file). */
  rodata: Buffer;
}

const SHT_DYNSYM = 11;
const SHT_PROGBITS = 1;

export function readSections(buf: Buffer, path = '<buffer>'): ElfSections {
  const bad = (reason: string): ElfError =>
    new ElfError('ELF_MALFORMED', `malformed ELF file: ${reason}`, { path });
  if (!isElfMagic(buf) || buf.length < 64) throw bad('no ELF header');
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u64 = (o: number) =>
    le
      ? buf.readUInt32LE(o) + buf.readUInt32LE(o + 4) * 0x100000000
      : buf.readUInt32BE(o) * 0x100000000 + buf.readUInt32BE(o + 4);
  const word = is64 ? u64 : u32;
  const shoff = word(is64 ? 40 : 32);
  const shentsize = u16(is64 ? 58 : 46);
  const shnum = u16(is64 ? 60 : 48);
  const shstrndx = u16(is64 ? 62 : 50);
  const out: ElfSections = { imports: [], rodata: Buffer.alloc(0) };
  if (shoff === 0 || shnum === 0) return out;
  if (shentsize < (is64 ? 64 : 40) || shoff + shnum * shentsize > buf.length)
    throw bad('section headers past the end');
  interface Sh {
    name: number;
    type: number;
    offset: number;
    size: number;
    link: number;
    entsize: number;
  }
  const sh = (i: number): Sh => {
    const o = shoff + i * shentsize;
    return is64
      ? {
          name: u32(o),
          type: u32(o + 4),
          offset: u64(o + 24),
          size: u64(o + 32),
          link: u32(o + 40),
          entsize: u64(o + 56),
        }
      : {
          name: u32(o),
          type: u32(o + 4),
          offset: u32(o + 16),
          size: u32(o + 20),
          link: u32(o + 24),
          entsize: u32(o + 36),
        };
  };
  const inFile = (s: Sh) => s.offset + s.size <= buf.length;
  const cstr = (base: number, end: number, at: number): string => {
    const start = base + at;
    if (start >= end) return '';
    const nul = buf.indexOf(0, start);
    return buf.toString('latin1', start, nul < 0 || nul > end ? end : nul);
  };
  const names = shstrndx < shnum ? sh(shstrndx) : undefined;
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    if (!inFile(s)) continue;
    if (s.type === SHT_PROGBITS && names && inFile(names)) {
      if (cstr(names.offset, names.offset + names.size, s.name) === '.rodata')
        out.rodata = buf.subarray(s.offset, s.offset + s.size);
    }
    if (s.type !== SHT_DYNSYM || s.link >= shnum) continue;
    const strs = sh(s.link);
    if (!inFile(strs)) continue;
    const ent = s.entsize || (is64 ? 24 : 16);
    for (let o = s.offset + ent; o + ent <= s.offset + s.size; o += ent) {
      // st_shndx 0 (SHN_UNDEF): defined elsewhere, i.e. imported.
      const shndx = is64 ? u16(o + 6) : u16(o + 14);
      if (shndx !== 0) continue;
      const name = cstr(strs.offset, strs.offset + strs.size, u32(o));
      if (name !== '') out.imports.push(name);
    }
  }
  return out;
}
