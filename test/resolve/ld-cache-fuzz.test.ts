import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lookupCache, parseLdCache } from '../../src/resolve/ld-cache.js';

describe('ld.so.cache parser on damaged caches', () => {
  it('3,000 mutated host caches parse or give null, never throw', () => {
    const orig = readFileSync('/etc/ld.so.cache');
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(orig.subarray(0, rnd(4) === 0 ? rnd(orig.length) : orig.length));
      // Header fields, entry fields and the extension area are where offsets live.
      for (let k = 0, n = 1 + rnd(6); k < n && b.length > 0; k++) {
        const at = rnd(3) === 0 ? rnd(Math.min(b.length, 64)) : rnd(b.length);
        b[at] = rnd(256);
      }
      const c = parseLdCache(b);
      if (c) {
        parsed++;
        lookupCache(c, 'libc.so.6', [0x303], ['x86-64-v3']);
      }
    }
    expect(parsed).toBeGreaterThan(100);
  });
});
