/**
 * Builds small ELF images by hand (any class and byte order), so the parser is tested on layouts
 * this machine's compilers do not produce: ELF32 big endian, odd offsets, strings past 256 bytes.
 */
export interface SynthOptions {
  bits: 32 | 64;
  endian: 'le' | 'be';
  machine: number;
  interpreter?: string;
  needed?: string[];
  rpath?: string;
  runpath?: string;
  soname?: string;
  flags1?: number;
}

export function synthElf(o: SynthOptions): Buffer {
  const is64 = o.bits === 64;
  const le = o.endian === 'le';
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const dynent = is64 ? 16 : 8;
  const vbase = 0x10000;

  // String table: offset 0 is the empty string.
  const strs: string[] = [''];
  const offs = new Map<string, number>();
  let strLen = 1;
  const str = (s: string): number => {
    const known = offs.get(s);
    if (known !== undefined) return known;
    offs.set(s, strLen);
    strs.push(s);
    strLen += Buffer.byteLength(s) + 1;
    return strLen - Buffer.byteLength(s) - 1;
  };
  const dyn: [number, number][] = [];
  for (const n of o.needed ?? []) dyn.push([1, str(n)]);
  if (o.soname !== undefined) dyn.push([14, str(o.soname)]);
  if (o.rpath !== undefined) dyn.push([15, str(o.rpath)]);
  if (o.runpath !== undefined) dyn.push([29, str(o.runpath)]);
  if (o.flags1 !== undefined) dyn.push([0x6ffffffb, o.flags1]);
  const phnum = 2 + (o.interpreter !== undefined ? 1 : 0);
  const phoff = ehsize;
  const interpOff = phoff + phnum * phentsize;
  const interpBytes = o.interpreter !== undefined ? Buffer.byteLength(o.interpreter) + 1 : 0;
  const strOff = interpOff + interpBytes;
  const dynOff = (strOff + strLen + 7) & ~7;
  dyn.push([5, vbase + strOff], [10, strLen], [0, 0]);
  const total = dynOff + dyn.length * dynent;
  const b = Buffer.alloc(total);

  const w16 = (v: number, at: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const w32 = (v: number, at: number) => (le ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at));
  const w64 = (v: number, at: number) =>
    le ? b.writeBigUInt64LE(BigInt(v), at) : b.writeBigUInt64BE(BigInt(v), at);
  const wword = is64 ? w64 : w32;

  b.write('\x7fELF', 0, 'latin1');
  b[4] = is64 ? 2 : 1;
  b[5] = le ? 1 : 2;
  b[6] = 1;
  w16(3, 16);
  w16(o.machine, 18);
  w32(1, 20);
  if (is64) {
    w64(phoff, 32);
    w16(ehsize, 52);
    w16(phentsize, 54);
    w16(phnum, 56);
  } else {
    w32(phoff, 28);
    w16(ehsize, 40);
    w16(phentsize, 42);
    w16(phnum, 44);
  }
  const ph = (i: number, type: number, off: number, size: number) => {
    const at = phoff + i * phentsize;
    w32(type, at);
    if (is64) {
      w64(off, at + 8);
      w64(vbase + off, at + 16);
      w64(vbase + off, at + 24);
      w64(size, at + 32);
      w64(size, at + 40);
    } else {
      w32(off, at + 4);
      w32(vbase + off, at + 8);
      w32(vbase + off, at + 12);
      w32(size, at + 16);
      w32(size, at + 20);
    }
  };
  let i = 0;
  if (o.interpreter !== undefined) {
    ph(i++, 3, interpOff, interpBytes);
    b.write(o.interpreter, interpOff);
  }
  ph(i++, 1, 0, total);
  ph(i++, 2, dynOff, dyn.length * dynent);
  let at = strOff;
  for (const s of strs) {
    b.write(s, at);
    at += Buffer.byteLength(s) + 1;
  }
  dyn.forEach(([tag, val], k) => {
    wword(tag, dynOff + k * dynent);
    wword(val, dynOff + k * dynent + dynent / 2);
  });
  return b;
}
