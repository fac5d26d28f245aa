import { closeSync, openSync, readSync } from 'node:fs';
import { errnoCode } from '../errors.js';
import { isElfMagic, parseElfSource } from './parse.js';
import type { ByteSource, ElfInfo } from './types.js';

/** What a file turned out to be when sniffed: ELF (parsed), a `#!` script, or something else. */
export type Sniffed =
  | { kind: 'elf'; elf: ElfInfo }
  | { kind: 'script'; line: string }
  | { kind: 'other' }
  | { kind: 'dir' };

/** Linux reads at most this many bytes of a `#!` line (BINPRM_BUF_SIZE). */
const SHEBANG_MAX = 256;
/** First read: ELF header and usually all program headers; parseElfSource asks for the same. */
const HEAD = 1024;

// One scratch buffer for the whole process: resolving hundreds of files means thousands of tiny
// reads, and synchronous reads into a reused buffer are much cheaper than async ones.
let scratch = Buffer.allocUnsafe(64 * 1024);

function fdSource(fd: number): ByteSource {
  // The last read stays valid until the next one, so a read inside it (the ELF header after the
  // sniff, program headers inside the first KiB) costs no system call.
  let lastOff = -1;
  let lastGot = 0;
  let lastLen = 0;
  return {
    read(offset, length) {
      if (length <= 0 || offset >= Number.MAX_SAFE_INTEGER) return scratch.subarray(0, 0);
      if (lastOff >= 0 && offset >= lastOff && offset - lastOff <= lastGot) {
        const start = offset - lastOff;
        const avail = lastGot - start;
        if (avail >= length || lastGot < lastLen)
          return scratch.subarray(start, start + Math.min(avail, length));
      }
      if (length > scratch.length) scratch = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, scratch, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      lastOff = offset;
      lastGot = got;
      lastLen = length;
      return scratch.subarray(0, got);
    },
  };
}

/**
 * Opens a host file and tells what it is, parsing ELF headers and dynamic section on the way
 * (reading only those parts). `display` names the file in errors. Throws the errno error for a
 * file that cannot be opened; returns `dir` for a directory.
 */
export function sniffFile(hostPath: string, display: string): Sniffed {
  const fd = openSync(hostPath, 'r');
  try {
    const src = fdSource(fd);
    let head: Buffer;
    try {
      head = src.read(0, HEAD);
    } catch (e) {
      if (errnoCode(e) === 'EISDIR') return { kind: 'dir' };
      throw e;
    }
    if (isElfMagic(head)) return { kind: 'elf', elf: parseElfSource(src, display) };
    if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) {
      const end = Math.min(head.length, SHEBANG_MAX);
      const nl = head.indexOf(0x0a);
      return { kind: 'script', line: head.toString('utf8', 2, nl < 0 || nl > end ? end : nl) };
    }
    return { kind: 'other' };
  } finally {
    closeSync(fd);
  }
}

/** Reads and parses an ELF file from the host filesystem (only its headers and dynamic section). */
export function readElf(hostPath: string, display = hostPath): ElfInfo {
  const fd = openSync(hostPath, 'r');
  try {
    return parseElfSource(fdSource(fd), display);
  } finally {
    closeSync(fd);
  }
}
