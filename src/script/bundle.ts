import { createHash } from 'node:crypto';
import { closeSync, createWriteStream, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { JailPlan } from '../plan/index.js';
import { atomicTempName } from '../sys/index.js';
import { gzipStages } from '../util/index.js';
import { blobsOf, blobTar } from './blob-tar.js';
import { planDigest } from './digest.js';
import { renderScript } from './render.js';
import { outputError } from './validate.js';

export interface BundleResult {
  output: string;
  bytes: number;
  planDigest: string;
  payloadSha256: string;
  blobs: number;
}

/**
 * Writes a self-contained bundle: the script, then a gzip'ed tar of the blobs, then one line with
 * the sha256 of the script. The script's payload fields are fixed-width, so its length is known
 * before the archive exists: the archive streams to that offset first (hashed on the way, never held
 * in memory), the script with the real numbers goes in front, the check line after. Written to a
 * temporary name beside outFile and renamed, so a failure leaves no half bundle.
 */
export async function writeBundle(
  plan: JailPlan,
  outFile: string,
  opts: { verify?: boolean } = {},
): Promise<BundleResult> {
  const render = (payload?: { offset: number; size: number; sha256: string }) =>
    Buffer.from(renderScript(plan, { mode: 'bundle', verify: opts.verify ?? true, payload }));
  const offset = render().length;
  const blobs = blobsOf(plan);
  const tmp = atomicTempName(outFile);
  try {
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    // Opened here, not by the stream: a stream opens its file asynchronously, so after a failed
    // pipeline the file could appear only after the cleanup below had run.
    const out = openSync(tmp, 'wx', 0o644);
    await pipeline([
      Readable.from(blobTar(blobs)),
      ...gzipStages(6),
      meter,
      createWriteStream('', { fd: out, start: offset }),
    ]);
    const payloadSha256 = hash.digest('hex');
    const script = render({ offset, size, sha256: payloadSha256 });
    // Internal invariant, plain Error on purpose: reaching it is a bug (exit 70), not user input.
    if (script.length !== offset) throw new Error('bundle script length changed with its payload fields');
    const check = `${createHash('sha256').update(script).digest('hex')}\n`;
    const fd = openSync(tmp, 'r+');
    try {
      writeSync(fd, script, 0, script.length, 0);
      writeSync(fd, check, offset + size);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, outFile);
    return {
      output: outFile,
      bytes: offset + size + check.length,
      planDigest: planDigest(plan),
      payloadSha256,
      blobs: blobs.length,
    };
  } catch (e) {
    rmSync(tmp, { force: true });
    throw outputError(e, outFile);
  }
}
