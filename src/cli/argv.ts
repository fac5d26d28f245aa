import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

export interface SplitArgv {
  /** Before the first `--`: what yargs parses. */
  head: string[];
  /** After the first `--`: a job's argv, never parsed (yargs would turn `1e3` into 1000). */
  tail: string[];
}

/** Splits a command line at its first `--`; without one the tail is empty. */
export function splitArgv(argv: readonly string[]): SplitArgv {
  const i = argv.indexOf('--');
  return i === -1 ? { head: [...argv], tail: [] } : { head: argv.slice(0, i), tail: argv.slice(i + 1) };
}

/**
 * The raw bytes of `args` as the kernel holds them: the last `args.length` entries of
 * /proc/self/cmdline (node's own flags and the script path come before them). Null when the file
 * cannot be read or its entries do not decode to `args` (another process title, main() called
 * with something other than process.argv), so that no byte is ever matched to the wrong argument.
 */
export function rawArgs(args: readonly string[], cmdline: () => Buffer = readCmdline): Buffer[] | null {
  let buf: Buffer;
  try {
    buf = cmdline();
  } catch {
    return null;
  }
  const entries: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(0); i !== -1; i = buf.indexOf(0, start)) {
    entries.push(buf.subarray(start, i));
    start = i + 1;
  }
  // Every entry ends in NUL; bytes after the last one would be a title written over argv.
  if (start !== buf.length || entries.length < args.length) return null;
  const mine = entries.slice(entries.length - args.length);
  return mine.every((b, i) => b.toString('utf8') === args[i]) ? mine : null;
}

function readCmdline(): Buffer {
  return readFileSync('/proc/self/cmdline');
}

/** An argument for a one-line message: printable ASCII as is, every other byte as \xNN. */
function showBytes(b: Buffer): string {
  const MAX = 60;
  let s = '';
  for (const byte of b.subarray(0, MAX)) {
    s +=
      byte >= 0x20 && byte < 0x7f && byte !== 0x5c
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return b.length > MAX ? `${s}…` : s;
}

/**
 * Refuses an argument that is not valid UTF-8. Node decodes argv as UTF-8 and puts U+FFFD in place
 * of invalid bytes, so such an argument would reach a job (or name a file) other than the one typed.
 * Only an argument holding U+FFFD can be one; /proc/self/cmdline tells an invalid byte from a real
 * U+FFFD, and when it cannot be read the argument is refused too (fail closed).
 * `args` is jailsmith's own argv (process.argv.slice(2)); indexes in messages count from 1.
 */
export function assertUtf8Args(
  args: readonly string[],
  raw: (args: readonly string[]) => Buffer[] | null = rawArgs,
): void {
  if (!args.some((a) => a.includes('\uFFFD'))) return;
  const bytes = raw(args);
  const dash = args.indexOf('--');
  args.forEach((arg, i) => {
    if (!arg.includes('\uFFFD')) return;
    const b = bytes?.[i];
    if (b !== undefined && isUtf8(b)) return;
    const which =
      dash !== -1 && i > dash ? `argument ${i + 1} (job argument ${i - dash})` : `argument ${i + 1}`;
    const opts = {
      details: { index: i + 1, ...(b === undefined ? {} : { bytes: b.toString('hex') }) },
      hint: 'arguments are passed byte for byte, so they must be UTF-8; put other bytes in a file',
    };
    throw b === undefined
      ? new UsageError(
          'USAGE_ARGV_NOT_UTF8',
          `${which} holds U+FFFD and /proc/self/cmdline could not be read to tell it from an invalid byte`,
          opts,
        )
      : new UsageError('USAGE_ARGV_NOT_UTF8', `${which} is not valid UTF-8: ${showBytes(b)}`, opts);
  });
}
