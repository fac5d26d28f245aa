import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, openSync, renameSync, rmSync } from 'node:fs';
import { PassThrough, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants } from 'node:zlib';
import { errnoCode, PackError } from '../errors.js';
import { atomicTempName } from '../sys/index.js';
import { gzipStages } from '../util/index.js';

class Hasher extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

export interface SinkResult {
  /** sha256 of the uncompressed tar stream (an OCI diff_id). */
  tarSha256: string;
  /** sha256 and size of the file as written (compressed when gzip). */
  fileSha256: string;
  fileSize: number;
}

export interface ArchiveSink {
  input: Writable;
  /** Ends the input and waits for the file to be complete, then renames it into place. */
  close(): Promise<SinkResult>;
  /** Drops the partial file. */
  abort(): void;
}

/**
 * A tar stream's destination: optionally gzip (zlib writes a fixed header: no name, mtime 0, so
 * it is deterministic), written to a temp file beside `file` and renamed only when complete.
 */
export function archiveSink(file: string, gzip: boolean): ArchiveSink {
  const tmp = atomicTempName(file);
  const input = new PassThrough({ highWaterMark: 1 << 20 });
  const tarHash = new Hasher();
  const fileHash = new Hasher();
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o644);
  } catch (e) {
    throw new PackError('PACK_OUTPUT', `cannot write the archive: ${errnoCode(e) ?? e}`, { path: file });
  }
  const out = createWriteStream('', { fd });
  const stages: (Transform | PassThrough)[] = [input, tarHash];
  if (gzip) stages.push(...gzipStages(constants.Z_DEFAULT_COMPRESSION));
  stages.push(fileHash);
  const done = pipeline([...stages, out]);
  // Keep an early failure (e.g. EEXIST) from being unhandled before close() awaits it.
  done.catch(() => {});
  return {
    input,
    async close() {
      input.end();
      await done;
      renameSync(tmp, file);
      return {
        tarSha256: tarHash.hash.digest('hex'),
        fileSha256: fileHash.hash.digest('hex'),
        fileSize: fileHash.bytes,
      };
    },
    abort() {
      input.destroy();
      rmSync(tmp, { force: true });
    },
  };
}
