import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { batcher, gzipStages } from '../../src/util/gzip.js';

/** Runs `chunks` through `stages` and returns what came out, chunk by chunk. */
async function through(chunks: Buffer[], stages: NodeJS.ReadWriteStream[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.push(Buffer.from(chunk));
      cb();
    },
  });
  await pipeline([Readable.from(chunks, { objectMode: false }), ...stages, sink]);
  return out;
}

/** Splits `data` at pseudo-random points from 1 byte to 3 KiB, as a tar of small files writes. */
function splitSmall(data: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let off = 0;
  let seed = 7;
  while (off < data.length) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (seed % 3072);
    parts.push(data.subarray(off, off + n));
    off += n;
  }
  return parts;
}

describe('batcher', () => {
  it('passes every byte through in order, in chunks of the batch size and one remainder', async () => {
    const data = randomBytes(300_000);
    const out = await through(splitSmall(data), [batcher(64 * 1024)]);
    expect(Buffer.concat(out).equals(data)).toBe(true);
    expect(out.slice(0, -1).every((c) => c.length === 64 * 1024)).toBe(true);
    expect(out.at(-1)?.length).toBe(300_000 % (64 * 1024));
  });

  it('hands a chunk of a whole batch or more on as it is, between batched ones', async () => {
    const small = randomBytes(10);
    const big = randomBytes(200_000);
    const out = await through([big, small, small, big], [batcher(100_000)]);
    expect(Buffer.concat(out).equals(Buffer.concat([big, small, small, big]))).toBe(true);
    expect(out.map((c) => c.length)).toEqual([200_000, 100_000, 100_000, 20]);
  });

  it('emits nothing for empty input', async () => {
    expect(await through([], [batcher()])).toEqual([]);
  });
});

describe('gzipStages', () => {
  it('gives the bytes gzipSync gives, however the input was split', async () => {
    // A package's bytes must not depend on how the tar writer happened to chunk its writes.
    const data = Buffer.concat([randomBytes(100_000), Buffer.alloc(2_000_000, 'jail '), randomBytes(50_000)]);
    const whole = gzipSync(data, { level: 6 });
    const split = Buffer.concat(await through(splitSmall(data), gzipStages(6)));
    const one = Buffer.concat(await through([data], gzipStages(6)));
    expect(split.equals(whole)).toBe(true);
    expect(one.equals(whole)).toBe(true);
    expect(gunzipSync(split).equals(data)).toBe(true);
  });
});
