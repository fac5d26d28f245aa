/**
 * File capabilities of the regular files find lists, read while find walks: each name find
 * prints as a regular file is passed on to a perl one-liner (perl-base is Essential on Debian)
 * that makes ONE lgetxattr(2) per file, relative to the jail. No second walk of the tree: getfattr
 * -R (fcaps-early.ts) makes its own readdir, lstat and listxattr of every entry, ~1.5x the CPU
 * (measured on 100k empty files: perl ~0.2 s, getfattr ~0.3 s, both all system time).
 * Node has no xattr call; perl reaches it through syscall(), whose number is per architecture:
 * where we do not know it, or perl is missing, the audit keeps the getfattr readers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { findHostTool } from '../sys/index.js';
import { decodeFileCap, type FileCapResult } from './fcaps.js';
import { printable } from './names.js';
import type { Entry, FileCap } from './types.js';

/** lgetxattr's number: x86_64's own table, and the generic one of arm64 and riscv64. */
const LGETXATTR: Partial<Record<NodeJS.Architecture, number>> = { x64: 192, arm64: 9, riscv64: 9 };

/**
 * Reads NUL-ended names on stdin, prints `name NUL hex NUL` for each holding the attribute. A
 * name gone, unreadable or on a filesystem without xattrs has none (getfattr skips those too);
 * any other error (ENOSYS: a wrong syscall number) ends it, and the audit asks getfattr instead.
 * The errno numbers are looked up once: %! (a tied hash) per file cost a third of perl's time.
 */
const SCRIPT = `use strict; use Errno; my $nr = shift; $/ = "\\0"; binmode STDIN; binmode STDOUT;
my $n = "security.capability"; my $b = "\\0" x 1024;
my %none = map { $_ => 1 } grep { defined } map { eval "Errno::$_()" } qw(ENODATA EOPNOTSUPP ENOTSUP ENOENT EACCES ENOTDIR ELOOP);
while (defined(my $p = <STDIN>)) { chop $p; my $r = syscall($nr, $p, $n, $b, 1024);
  if ($r >= 0) { print $p, "\\0", unpack("H*", substr($b, 0, $r)), "\\0"; next }
  next if $none{$! + 0};
  die "lgetxattr: $!\\n" }`;

const BATCH = 1 << 16;

export interface CapsReader {
  /** Queues a regular file's jail-relative name (`./a/b`), given as bytes buf[start, end). */
  add(buf: Buffer, start: number, end: number): void;
  /** The walk could not name every regular file: the answer is undefined, another reader runs. */
  abandon(): void;
  /**
   * All names given: the capabilities found, keyed by in-jail path; undefined when abandoned or
   * when perl failed (the caller falls back to getfattr then).
   */
  finish(lookup: (inJail: string) => Entry | undefined): Promise<FileCapResult | undefined>;
}

/**
 * Starts the reader in the jail, or undefined where the syscall number is not known (`nr` is for
 * tests: a wrong one must make finish() answer undefined).
 */
export function startCapsReader(jail: string, nr = LGETXATTR[process.arch]): CapsReader | undefined {
  // From the system's directories, never the caller's PATH (as every host tool jailsmith runs).
  const perl = findHostTool('perl');
  if (nr === undefined || !perl) return undefined;
  // Started at the first name, not now: find is the audit's critical path and is spawned first
  // (each spawn forks Node, a few ms), and a jail with no file to read needs no perl at all.
  let child: ChildProcess | undefined;
  let abandoned = false;
  const out: Buffer[] = [];
  let exited: Promise<{ code: number | null; error?: string }> = Promise.resolve({ code: 0 });
  const start = (): ChildProcess => {
    const c = spawn(perl, ['-e', SCRIPT, String(nr)], { cwd: jail, stdio: ['pipe', 'pipe', 'ignore'] });
    c.stdout?.on('data', (b: Buffer) => out.push(b));
    // EPIPE when perl is gone early: its exit status tells the story.
    c.stdin?.on('error', () => undefined);
    exited = new Promise((resolve) => {
      c.on('error', (e: NodeJS.ErrnoException) => resolve({ code: null, error: e.code ?? String(e) }));
      c.on('close', (code) => resolve({ code }));
    });
    return c;
  };
  let batch = Buffer.allocUnsafe(BATCH);
  let used = 0;
  const flush = () => {
    if (used > 0) child?.stdin?.write(batch.subarray(0, used));
    batch = Buffer.allocUnsafe(BATCH);
    used = 0;
  };
  return {
    add(buf, from, end) {
      if (abandoned) return;
      child ??= start();
      if (used + end - from + 1 > batch.length) {
        flush();
        if (end - from + 1 > batch.length) batch = Buffer.allocUnsafe(2 * (end - from + 1));
      }
      // A loop, not buf.copy(): names are short, and copy()'s checks cost more than the bytes.
      for (let i = from; i < end; i++) batch[used++] = buf[i] as number;
      batch[used++] = 0;
    },
    abandon() {
      child?.kill('SIGKILL');
      abandoned = true;
    },
    async finish(lookup) {
      if (abandoned) return undefined;
      flush();
      child?.stdin?.end();
      const r = await exited;
      // No perl, or it failed (ENOSYS: a syscall number that is not lgetxattr's here): the
      // caller reads the capabilities with getfattr instead, which says so if it fails too.
      if (r.code !== 0) return undefined;
      const caps = new Map<string, FileCap>();
      const all = Buffer.concat(out);
      for (let at = 0; at < all.length; ) {
        const z1 = all.indexOf(0, at);
        const z2 = z1 < 0 ? -1 : all.indexOf(0, z1 + 1);
        if (z2 < 0) return undefined;
        // ./a/b: the in-jail path is what follows the dot.
        const e = lookup(printable(all.subarray(at + 1, z1)).text);
        const cap = decodeFileCap(Buffer.from(all.toString('latin1', z1 + 1, z2), 'hex'));
        if (e?.type === 'file' && cap) caps.set(e.path, cap);
        at = z2 + 1;
      }
      return { caps, calls: 1 };
    },
  };
}
