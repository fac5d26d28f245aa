import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { Header } from 'tar';
import { ScriptError } from '../errors.js';
import type { JailPlan } from '../plan/index.js';

export interface Blob {
  sha256: string;
  size: number;
  /** Host file the content is read from (the first plan entry with this digest). */
  source: string;
}

/** One blob per distinct content, sorted by digest: the archive does not depend on plan order. */
export function blobsOf(plan: JailPlan): Blob[] {
  const blobs = new Map<string, Blob>();
  for (const e of plan.entries) {
    if (e.type === 'file' && !blobs.has(e.sha256))
      blobs.set(e.sha256, { sha256: e.sha256, size: e.size, source: e.source });
  }
  return [...blobs.values()].sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0));
}

const BLOCK = 512;
const CHUNK = 1 << 20;
/** ustar's size field holds 11 octal digits. */
const MAX_SIZE = 8 ** 11 - 1;

function header(blob: Blob): Buffer {
  if (blob.size > MAX_SIZE)
    throw new ScriptError('SCRIPT_BLOB_TOO_BIG', 'file too big for a bundle', { path: blob.source });
  const h = new Header({
    path: blob.sha256,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: blob.size,
    mtime: new Date(0),
    type: 'File',
    uname: '',
    gname: '',
  });
  h.encode();
  return h.block as Buffer;
}

/**
 * A ustar stream of the blobs, each named by its sha256, read file by file in 1 MiB chunks (memory
 * stays flat whatever the jail's size). A source whose size or digest differs from the plan stops
 * it: the bundle would carry a different jail than the plan says.
 */
export async function* blobTar(blobs: Blob[]): AsyncGenerator<Buffer> {
  for (const blob of blobs) {
    yield header(blob);
    const hash = createHash('sha256');
    let n = 0;
    // Buffers sized to what is left (at most 1 MiB), read synchronously: a read stream allocated a
    // 1 MiB buffer per read, two per small file, and the collector spent more than gzip did.
    const fd = openSync(blob.source, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      for (;;) {
        // One byte more than the plan says is left: a file that grew is caught without reading on.
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, blob.size - n + 1));
        const got = readSync(fd, buf, 0, buf.length, null);
        if (got === 0) break;
        n += got;
        if (n > blob.size) break;
        const chunk = got === buf.length ? buf : buf.subarray(0, got);
        hash.update(chunk);
        yield chunk;
      }
    } finally {
      closeSync(fd);
    }
    if (n !== blob.size || hash.digest('hex') !== blob.sha256)
      throw new ScriptError('SCRIPT_SOURCE_CHANGED', 'source file differs from the plan (size or sha256)', {
        path: blob.source,
        hint: 'make the plan again from the current files',
      });
    if (n % BLOCK !== 0) yield Buffer.alloc(BLOCK - (n % BLOCK));
  }
  yield Buffer.alloc(2 * BLOCK);
}
