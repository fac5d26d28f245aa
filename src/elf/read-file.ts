import { closeSync, constants, openSync, readSync } from 'node:fs';
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

// Reused buffers for the whole process: resolving hundreds of files means thousands of tiny
// reads, and synchronous reads into reused buffers are much cheaper than async ones.
let scratch = Buffer.allocUnsafe(64 * 1024);
/**
 * The first read of every file: its first 16 KiB hold the ELF header, the program headers and,
 * for most programs, .dynstr, so usually only PT_DYNAMIC needs a read of its own.
 */
const HEAD = 16 * 1024;
const headBuf = Buffer.allocUnsafe(HEAD);
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function fdSource(fd: number): ByteSource {
  let headGot = -1;
  return {
    read(offset, length) {
      if (length <= 0 || offset >= Number.MAX_SAFE_INTEGER) return scratch.subarray(0, 0);
      if (headGot < 0 && offset === 0 && length <= HEAD) headGot = readFully(fd, headBuf, HEAD, 0);
      // Inside the head, or past the end of a file shorter than the head.
      if (headGot >= 0 && (offset + length <= headGot || headGot < HEAD))
        return headBuf.subarray(Math.min(offset, headGot), Math.min(offset + length, headGot));
      if (length > scratch.length) scratch = Buffer.allocUnsafe(length);
      return scratch.subarray(0, readFully(fd, scratch, length, offset));
    },
  };
}

function readFully(fd: number, buf: Buffer, length: number, offset: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/**
 * Opens a host file and tells what it is, parsing ELF headers and dynamic section on the way
 * (reading only those parts). `display` names the file in errors. Throws the errno error for a
 * file that cannot be opened; returns `dir` for a directory.
 */
export function sniffFile(hostPath: string, display: string): Sniffed {
  // The caller resolved every link inside the root: refuse one swapped in since (O_NOFOLLOW), and
  // never wait on a FIFO put in a file's place (O_NONBLOCK).
  const fd = openSync(hostPath, OPEN_FLAGS);
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
