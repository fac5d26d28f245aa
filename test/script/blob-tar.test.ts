import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Blob, blobTar } from '../../src/script/blob-tar.js';
import { tmpDir } from '../helpers/tmp.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function collect(blobs: Blob[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of blobTar(blobs)) parts.push(Buffer.from(b));
  return Buffer.concat(parts);
}

describe('blobTar', () => {
  const dir = tmpDir('jailsmith-blobtar-');

  it('streams each blob after its header, padded to 512, across chunk boundaries', async () => {
    const big = Buffer.alloc((1 << 20) + 700, 7); // more than one read
    const small = Buffer.from('hello\n');
    writeFileSync(path.join(dir, 'big'), big);
    writeFileSync(path.join(dir, 'small'), small);
    const blobs = [
      { sha256: sha(big), size: big.length, source: path.join(dir, 'big') },
      { sha256: sha(small), size: small.length, source: path.join(dir, 'small') },
    ];
    const tar = await collect(blobs);
    const padded = (n: number) => Math.ceil(n / 512) * 512;
    expect(tar.length).toBe(512 + padded(big.length) + 512 + padded(small.length) + 1024);
    expect(tar.subarray(0, 64).toString('latin1').replace(/\0.*$/s, '')).toBe(sha(big));
    expect(tar.subarray(512, 512 + big.length).equals(big)).toBe(true);
    const second = 512 + padded(big.length);
    expect(tar.subarray(second + 512, second + 512 + small.length).equals(small)).toBe(true);
  });

  for (const [what, content] of [
    ['grew', 'hello, world\n'],
    ['shrank', 'hi\n'],
    ['changed in place', 'HELLO\n'],
  ] as const) {
    it(`refuses a source that ${what} since the plan`, async () => {
      const f = path.join(dir, what.replace(/ /g, '-'));
      const planned = Buffer.from('hello\n');
      writeFileSync(f, content);
      await expect(
        collect([{ sha256: sha(planned), size: planned.length, source: f }]),
      ).rejects.toMatchObject({
        code: 'SCRIPT_SOURCE_CHANGED',
        path: f,
      });
    });
  }
});
