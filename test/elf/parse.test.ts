import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf, readElf, sniffFile } from '../../src/elf/index.js';
import { ElfError } from '../../src/errors.js';
import { tmpDir } from '../helpers/tmp.js';
import { synthElf } from './synth.js';

describe('parseElf on real binaries', () => {
  it('reads /bin/ls: ELF64 LE x86_64 with an interpreter and DT_NEEDED', () => {
    const e = readElf('/bin/ls');
    expect(e).toMatchObject({
      bits: 64,
      endian: 'le',
      machine: 62,
      interpreter: '/lib64/ld-linux-x86-64.so.2',
    });
    expect(e.needed).toContain('libc.so.6');
    // The whole-buffer parser and the reader that reads only headers agree.
    expect(parseElf(readFileSync('/bin/ls'))).toEqual(e);
  });

  it('reads the aarch64 cross libc: machine 183, soname, its own PT_INTERP', () => {
    const e = readElf('/usr/aarch64-linux-gnu/lib/libc.so.6');
    expect(e).toMatchObject({
      bits: 64,
      endian: 'le',
      machine: 183,
      soname: 'libc.so.6',
      interpreter: '/lib/ld-linux-aarch64.so.1',
    });
    expect(e.needed).toEqual(['ld-linux-aarch64.so.1']);
  });
});

describe('parseElf on synthetic images', () => {
  for (const bits of [32, 64] as const)
    for (const endian of ['le', 'be'] as const)
      it(`ELF${bits} ${endian}: every dynamic field`, () => {
        const long = `/opt/${'x'.repeat(300)}/lib`;
        const b = synthElf({
          bits,
          endian,
          machine: 20,
          interpreter: '/lib/ld.so.1',
          needed: ['liba.so.1', 'libb.so.2'],
          rpath: '$ORIGIN/../lib',
          runpath: long,
          soname: 'libself.so.3',
          flags1: 0x800,
        });
        expect(parseElf(b)).toEqual({
          bits,
          endian,
          osabi: 0,
          type: 3,
          machine: 20,
          flags: 0,
          interpreter: '/lib/ld.so.1',
          dynamic: true,
          needed: ['liba.so.1', 'libb.so.2'],
          rpath: '$ORIGIN/../lib',
          runpath: long,
          soname: 'libself.so.3',
          flags1: 0x800,
        });
      });
});

describe('malformed input is ELF_MALFORMED with the file and the reason', () => {
  const cases: [string, (b: Buffer) => Buffer][] = [
    ['truncated header', (b) => b.subarray(0, 30)],
    ['truncated program headers', (b) => b.subarray(0, 100)],
    ['bad class', (b) => Buffer.concat([b.subarray(0, 4), Buffer.from([9]), b.subarray(5)])],
    [
      'huge program header offset',
      (b) => {
        const c = Buffer.from(b);
        c.writeBigUInt64LE(0xffffffffffn, 32);
        return c;
      },
    ],
  ];
  const ls = readFileSync('/bin/ls');
  for (const [name, mutate] of cases)
    it(name, () => {
      let err: unknown;
      try {
        parseElf(mutate(ls), '/x/ls');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ElfError);
      expect(err).toMatchObject({ code: 'ELF_MALFORMED', path: '/x/ls' });
      expect((err as Error).message).toMatch(/^malformed ELF file: \w/);
    });

  it('sniffFile tells ELF, scripts and other files apart, reading from disk', () => {
    const dir = tmpDir();
    const script = path.join(dir, 's');
    writeFileSync(script, '#!/bin/sh -e\necho hi\n');
    const text = path.join(dir, 't');
    writeFileSync(text, 'hello');
    expect(sniffFile(script, script)).toEqual({ kind: 'script', line: '/bin/sh -e' });
    expect(sniffFile(text, text)).toEqual({ kind: 'other' });
    expect(sniffFile(dir, dir)).toEqual({ kind: 'dir' });
    expect(sniffFile('/bin/ls', '/bin/ls').kind).toBe('elf');
  });
});
