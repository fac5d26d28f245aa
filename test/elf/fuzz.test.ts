import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf, readElf } from '../../src/elf/index.js';
import { ElfError } from '../../src/errors.js';
import { tmpDir } from '../helpers/tmp.js';
import { synthElf } from './synth.js';

/** mulberry32: a tiny seeded PRNG so every run mutates the same way. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Layout {
  is64: boolean;
  le: boolean;
  phoff: number;
  phentsize: number;
  phnum: number;
  dynOff: number;
  dynSize: number;
}

function layout(b: Buffer): Layout {
  const e = parseElf(b);
  const is64 = e.bits === 64;
  const le = e.endian === 'le';
  const r16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const r32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const rw = (o: number) => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : r32(o));
  const phoff = rw(is64 ? 32 : 28);
  const phentsize = r16(is64 ? 54 : 42);
  const phnum = r16(is64 ? 56 : 44);
  let dynOff = 0;
  let dynSize = 0;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (r32(o) === 2) {
      dynOff = rw(o + (is64 ? 8 : 4));
      dynSize = rw(o + (is64 ? 32 : 16));
    }
  }
  return { is64, le, phoff, phentsize, phnum, dynOff, dynSize };
}

const HUGE = [0xffffffff, 0x7fffffff, 0x80000000, 0xfffffff0, 0x10000000, 1 << 20];

/** One mutation of a copy of `orig`, chosen by the PRNG. */
function mutate(orig: Buffer, l: Layout, rnd: () => number): Buffer {
  const pick = (n: number) => Math.floor(rnd() * n);
  const kind = pick(7);
  if (kind === 0)
    return Buffer.from(orig.subarray(0, pick(Math.min(orig.length, l.dynOff + l.dynSize + 64))));
  const b = Buffer.from(orig);
  const w32 = (o: number, v: number) => {
    if (o + 4 <= b.length) l.le ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o);
  };
  const wword = (o: number, v: number) => {
    w32(o, v);
    if (l.is64) w32(o + 4, pick(4) === 0 ? 0xffffffff : 0);
  };
  const dynent = l.is64 ? 16 : 8;
  const ndyn = Math.max(1, Math.floor(l.dynSize / dynent));
  switch (kind) {
    case 1: // random bytes in the ELF header
      for (let i = 0, n = 1 + pick(4); i < n; i++) b[4 + pick(l.is64 ? 60 : 48)] = pick(256);
      break;
    case 2: // random bytes in the program headers
      for (let i = 0, n = 1 + pick(8); i < n; i++) b[l.phoff + pick(l.phentsize * l.phnum)] = pick(256);
      break;
    case 3: {
      // a huge or odd offset/size in a program header
      const o = l.phoff + pick(l.phnum) * l.phentsize + (l.is64 ? [8, 16, 32][pick(3)] : [4, 8, 16][pick(3)]);
      wword(o as number, HUGE[pick(HUGE.length)] as number);
      break;
    }
    case 4: {
      // a dynamic entry pointing at the dynamic section itself (DT_STRTAB) or far away (names)
      const o = l.dynOff + pick(ndyn) * dynent;
      wword(o, [1, 5, 10, 14, 15, 29][pick(6)] as number);
      wword(o + dynent / 2, pick(2) ? l.dynOff + pick(l.dynSize) : (HUGE[pick(HUGE.length)] as number));
      break;
    }
    case 5: // random bytes in the dynamic section
      for (let i = 0, n = 1 + pick(8); i < n; i++) b[l.dynOff + pick(l.dynSize)] = pick(256);
      break;
    default: // header counts and sizes
      if (l.is64) b.writeUInt16LE(pick(65536), [54, 56][pick(2)] as number);
      else
        l.le
          ? b.writeUInt16LE(pick(65536), 42 + 2 * pick(2))
          : b.writeUInt16BE(pick(65536), 42 + 2 * pick(2));
  }
  return b;
}

function check(fn: () => unknown): 'ok' | 'malformed' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    // Anything but a typed ELF_MALFORMED error fails the test with the original exception.
    if (e instanceof ElfError && e.code === 'ELF_MALFORMED') return 'malformed';
    throw e;
  }
}

describe('fuzzing the ELF parser', () => {
  const seeds: [string, Buffer][] = [
    ['/usr/bin/true', readFileSync('/usr/bin/true')],
    ['libz', readFileSync('/lib/x86_64-linux-gnu/libz.so.1')],
    ['aarch64 libm', readFileSync('/usr/aarch64-linux-gnu/lib/libm.so.6')],
    [
      'synthetic ELF32 BE',
      synthElf({
        bits: 32,
        endian: 'be',
        machine: 20,
        interpreter: '/lib/ld.so.1',
        needed: ['liba.so', 'libb.so'],
        runpath: '/x',
      }),
    ],
    [
      'synthetic ELF64 BE',
      synthElf({
        bits: 64,
        endian: 'be',
        machine: 22,
        needed: ['libc.so.6'],
        rpath: '$ORIGIN',
        soname: 'libq.so',
      }),
    ],
  ];

  it('12,500 mutated images give a result or ELF_MALFORMED, nothing else', () => {
    const rnd = prng(20260917);
    const tally = { ok: 0, malformed: 0 };
    const perSeed: Record<string, { ok: number; malformed: number }> = {};
    for (const [name, orig] of seeds) {
      const l = layout(orig);
      const mine = { ok: 0, malformed: 0 };
      for (let i = 0; i < 2500; i++) {
        const m = mutate(orig, l, rnd);
        const r = check(() => parseElf(m, 'fuzz'));
        tally[r]++;
        mine[r]++;
      }
      perSeed[name] = mine;
    }
    // check() fails the test on any other outcome. Both outcomes occur, overall and for every seed:
    // the mutations reach past the first sanity checks of each layout (32/64-bit, LE/BE).
    expect(tally.malformed).toBeGreaterThan(1000);
    expect(tally.ok).toBeGreaterThan(1000);
    for (const [name, t] of Object.entries(perSeed)) {
      expect(t.ok, name).toBeGreaterThan(0);
      expect(t.malformed, name).toBeGreaterThan(0);
    }
  });

  it('the file reader (reading only parts) behaves the same on 500 mutated files', () => {
    const dir = tmpDir();
    const rnd = prng(7);
    for (const [name, orig] of seeds) {
      const l = layout(orig);
      for (let i = 0; i < 100; i++) {
        const m = mutate(orig, l, rnd);
        const f = path.join(dir, `${name.replace(/\W/g, '_')}-${i}`);
        writeFileSync(f, m);
        const fromBuffer = check(() => parseElf(m, f));
        expect(check(() => readElf(f))).toBe(fromBuffer);
        if (fromBuffer === 'ok') expect(readElf(f)).toEqual(parseElf(m, f));
      }
    }
  });
});
