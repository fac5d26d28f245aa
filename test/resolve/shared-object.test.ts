import { describe, expect, it } from 'vitest';
import { createResolver } from '../../src/resolve/index.js';

describe('shared objects have no interpreter yet are programs for the resolver', () => {
  it('a python extension module brings its libraries, even when resolved leniently', async () => {
    const r = await createResolver({});
    const file = '/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so';
    const d = await r.resolve(file, { lenient: true });
    expect(d).not.toBeNull();
    expect(d?.interpreter).toBeNull();
    expect(d?.closure.some((p) => p.endsWith('/libssl.so.3'))).toBe(true);
    expect(d?.closure.some((p) => p.endsWith('/libc.so.6'))).toBe(true);
  });

  it('a data file resolved leniently gives null', async () => {
    const r = await createResolver({});
    expect(await r.resolve('/etc/os-release', { lenient: true })).toBeNull();
  });
});
