import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import {
  packageContents,
  packageFiles,
  parseApkInstalled,
  parseDebDepends,
} from '../../src/packages/index.js';
import { SourceRoot } from '../../src/resolve/source-root.js';

const ALPINE = new SourceRoot(path.resolve(import.meta.dirname, '../fixtures/alpine-root'));
const ARCH = new SourceRoot(path.resolve(import.meta.dirname, '../fixtures/arch-root'));

describe('dependency fields', () => {
  it('drops versions, arch qualifiers and :any, keeps alternatives', () => {
    expect(parseDebDepends('libc6 (>= 2.36), perl:any | perl-base [amd64], debconf <!nocheck>')).toEqual([
      ['libc6'],
      ['perl', 'perl-base'],
      ['debconf'],
    ]);
  });
});

describe('apk installed database', () => {
  it('parses records, folders and files', () => {
    const recs = parseApkInstalled('P:a\np:cmd:a=1\nD:so:x !b\nF:usr/bin\nR:a\n\nP:b\nF:etc\n');
    expect(recs.map((r) => r.name)).toEqual(['a', 'b']);
    expect(recs[0]?.paths).toEqual(['/usr/bin', '/usr/bin/a']);
    expect(recs[0]?.provides).toEqual(['cmd:a']);
    expect(recs[0]?.depends).toEqual([['so:x']]);
  });
  it("resolves a package's files from the fixture, without docs", () => {
    expect(packageFiles(ALPINE, ['tzdata'], { dependencies: false, docs: false })).toEqual([
      '/usr',
      '/usr/share',
      '/usr/share/zoneinfo',
      '/usr/share/zoneinfo/Europe',
      '/usr/share/zoneinfo/Europe/Paris',
      '/usr/share/zoneinfo/UTC',
    ]);
  });
  it('includes docs when asked and follows D: through provided names', () => {
    const c = packageContents(ALPINE, ['tzdata'], { dependencies: true, docs: true });
    expect(c.packages).toEqual(['musl', 'tzdata', 'zlib']);
    expect(c.files).toContain('/usr/share/doc/tzdata/README');
    expect(c.files).toContain('/lib/ld-musl-x86_64.so.1');
    expect(c.files).toContain('/usr/lib/libz.so.1');
    expect(c.dirs).toContain('/usr/share/zoneinfo');
  });
  it('names an unknown package', () => {
    expect(() => packageFiles(ALPINE, ['nosuchpkg'], { dependencies: false, docs: false })).toThrow(
      expect.objectContaining({ code: 'PACKAGE_UNKNOWN', message: expect.stringContaining('nosuchpkg') }),
    );
    expect(() => packageFiles(ALPINE, ['nosuchpkg'], { dependencies: false, docs: false })).toThrow(
      SpecError,
    );
  });
});

describe('pacman local database', () => {
  it('follows %DEPENDS% through %PROVIDES% and leaves man pages out', () => {
    const c = packageContents(ARCH, ['pigz'], { dependencies: true, docs: false });
    expect(c.packages).toEqual(['glibc', 'pigz', 'zlib']);
    expect(c.files).toEqual([
      '/usr/bin/pigz',
      '/usr/lib/libc.so.6',
      '/usr/lib/libz.so.1',
      '/usr/share/licenses/zlib/LICENSE',
    ]);
    expect(c.dirs).toContain('/usr/share/licenses/zlib');
    expect(() => packageFiles(ARCH, ['nosuch'], { dependencies: false, docs: false })).toThrow(/nosuch/);
  });
});

describe('dpkg database (host)', () => {
  const host = new SourceRoot('/');
  it('lists tzdata zoneinfo, not its docs, with dirs kept as dirs', () => {
    const c = packageContents(host, ['tzdata'], { dependencies: false, docs: false });
    expect(c.files.some((f) => f.startsWith('/usr/share/zoneinfo/'))).toBe(true);
    expect(c.files.some((f) => f.startsWith('/usr/share/doc/'))).toBe(false);
    expect(c.dirs).toContain('/usr/share/zoneinfo');
    expect(c.files).not.toContain('/usr/share/zoneinfo');
  });
  it('finds Multi-Arch: same packages by their NAME:ARCH list and follows Depends', () => {
    const c = packageContents(host, ['bash'], { dependencies: true, docs: false });
    expect(c.packages).toEqual(expect.arrayContaining(['bash', 'libc6', 'base-files']));
    expect(c.files.some((f) => /\/libc\.so\.6$/.test(f))).toBe(true);
  });
  it('canonicalises merged-/usr parents and reports the links', () => {
    const c = packageContents(host, ['bash'], { dependencies: false, docs: false });
    expect(c.files).toContain('/usr/bin/bash');
    if (host.readlink('/bin')) expect(c.links).toContain('/bin');
  });
});
