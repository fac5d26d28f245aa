import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceRoot } from '../../src/resolve/source-root.js';
import { globRoot } from '../../src/sys/index.js';
import { tmpDir } from '../helpers/tmp.js';
import { makeRoot } from '../plan/fake.js';

describe('globRoot expands in-root globs without leaving the root', () => {
  const base = tmpDir('glob-root-');
  const outside = makeRoot(path.join(base, 'outside'), { '/secret/libnss_files.so.2': 'host' });
  const root = new SourceRoot(
    makeRoot(path.join(base, 'root'), {
      '/lib': { link: 'usr/lib' },
      '/usr/lib/x86_64-linux-gnu/libnss_files.so.2': 'x',
      '/usr/lib/aarch64-linux-gnu/libnss_files.so.2': 'y',
      '/usr/lib/x86_64-linux-gnu/libnss_dns.so.2': 'z',
      // An absolute link aimed at the host: inside the root it means /secret of the root.
      '/opt': { link: `${outside}/secret` },
      '/usr/lib/.hidden/x': 'h',
    }),
  );

  it('matches one component at a time, through links inside the root, sorted', () => {
    expect(globRoot(root, '/lib/*-linux-gnu/libnss_files.so.2')).toEqual([
      '/lib/aarch64-linux-gnu/libnss_files.so.2',
      '/lib/x86_64-linux-gnu/libnss_files.so.2',
    ]);
    expect(globRoot(root, '/usr/lib/x86_64-linux-gnu/libnss_*.so.2')).toEqual([
      '/usr/lib/x86_64-linux-gnu/libnss_dns.so.2',
      '/usr/lib/x86_64-linux-gnu/libnss_files.so.2',
    ]);
  });

  it('literal paths must exist; * does not match dot files', () => {
    expect(globRoot(root, '/usr/lib64/libnss_files.so.2')).toEqual([]);
    expect(globRoot(root, '/usr/lib/*/x')).toEqual([]);
  });

  it('an absolute link never reaches the host', () => {
    expect(globRoot(root, '/opt/libnss_files.so.2')).toEqual([]);
    expect(globRoot(root, '/opt/*')).toEqual([]);
  });
});
