import { describe, expect, it } from 'vitest';
import { BLOCK, decodeHeader, encodeHeader, parsePax, paxRecord } from '../../src/pack/tar/header.js';
import { TarReader } from '../../src/pack/tar/reader.js';
import { hdr } from './fixture.js';

async function* chunks(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

describe('tar headers', () => {
  it('PAX record lengths count themselves, across a digit boundary', () => {
    for (const n of [1, 5, 6, 7, 90, 95, 996]) {
      const rec = paxRecord('path', Buffer.from('a'.repeat(n)));
      expect(Number(rec.toString().split(' ')[0])).toBe(rec.length);
    }
  });

  it('a short entry is one ustar block with a valid checksum and no owner names', () => {
    const b = encodeHeader(hdr('bin/sh', 'file', { mode: 0o4755, uid: 1000, gid: 100, size: 12 }));
    expect(b.length).toBe(BLOCK);
    const raw = decodeHeader(b);
    expect(raw).toMatchObject({ name: 'bin/sh', flag: '0', mode: 0o4755, uid: 1000, gid: 100, size: 12 });
    expect(b.subarray(265, 329).every((x) => x === 0)).toBe(true);
  });

  it('long names, big ids and xattrs go to a PAX header and read back', async () => {
    const name = `${'n'.repeat(150)}/file`;
    const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
    const h = hdr(name, 'file', {
      uid: 3_000_000,
      gid: 4_000_000,
      size: 3,
      xattrs: { 'security.capability': cap },
    });
    const body = Buffer.concat([Buffer.from('abc'), Buffer.alloc(BLOCK - 3)]);
    const archive = Buffer.concat([encodeHeader(h), body, Buffer.alloc(2 * BLOCK)]);
    const paxSize = decodeHeader(archive.subarray(0, BLOCK)).size;
    const pax = parsePax(archive.subarray(BLOCK, BLOCK + paxSize));
    expect(pax.get('path')?.toString()).toBe(name);
    const r = new TarReader(chunks(archive, 7));
    const got = await r.next();
    expect(got).toMatchObject({ name, uid: 3_000_000, gid: 4_000_000, size: 3 });
    expect(got?.xattrs['security.capability']?.equals(cap)).toBe(true);
    const parts: Buffer[] = [];
    for await (const c of r.body()) parts.push(Buffer.from(c));
    expect(Buffer.concat(parts).toString()).toBe('abc');
    expect(await r.next()).toBeNull();
  });

  it('devices carry major and minor', () => {
    const raw = decodeHeader(encodeHeader(hdr('dev/null', 'char', { devmajor: 1, devminor: 3 })));
    expect(raw).toMatchObject({ flag: '3', devmajor: 1, devminor: 3 });
  });

  it('the reader refuses a corrupted checksum and a truncated archive', async () => {
    const b = encodeHeader(hdr('a', 'file'));
    b[0] = 0x62;
    await expect(new TarReader(chunks(b, 512)).next()).rejects.toThrow(/checksum/);
    const t = encodeHeader(hdr('a', 'file', { size: 100 }));
    const r = new TarReader(chunks(Buffer.concat([t, Buffer.alloc(10)]), 512));
    await r.next();
    await expect(r.next()).rejects.toThrow(/truncated/);
  });
});
