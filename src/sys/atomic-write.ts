import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fsyncSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// node:crypto is loaded when a file is first written, not by every importer (a job start writes none).
const require = createRequire(import.meta.url);

export interface AtomicWriteOptions {
  /** Permission bits of the new file (default 0600). */
  mode?: number;
  /** Owner of the new file (default: the writer's). */
  owner?: { uid: number; gid: number };
  /** fsync before the rename (default true; a cache that may be lost can skip it). */
  fsync?: boolean;
}

/**
 * The temporary name a file is written under before rename(2) puts it in place: beside it (same
 * filesystem), hidden, ending in `.tmp` (no `*.conf` include such as sshd's reads it), with a
 * random part, not the pid, so two writers never share it. Streaming writers use it too.
 */
export function atomicTempName(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.jailsmith-${(require('node:crypto') as typeof import('node:crypto')).randomBytes(4).toString('hex')}.tmp`,
  );
}

/**
 * Writes `file` whole or not at all: a temporary file beside it, then rename(2) over it, so a
 * reader sees the old bytes or the new ones, never half. The temporary file (atomicTempName) is
 * opened O_EXCL|O_NOFOLLOW, never through a link someone planted under that name, and removed
 * again when anything fails.
 */
export function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): void {
  const tmp = atomicTempName(file);
  const fd = openSync(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    try {
      writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data);
      if (opts.owner) fchownSync(fd, opts.owner.uid, opts.owner.gid);
      fchmodSync(fd, opts.mode ?? 0o600);
      if (opts.fsync ?? true) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // renamed already, or never made
    }
    throw e;
  }
}

function writeAll(fd: number, b: Uint8Array): void {
  for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
}
