import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readElf } from '../../src/elf/read-file.js';
import { RootConfig } from '../../src/resolve/arch-env.js';
import { expandDst, splitPathList } from '../../src/resolve/dst.js';
import { hostX86Levels } from '../../src/resolve/hwcaps.js';
import { lookupCache, parseLdCache } from '../../src/resolve/ld-cache.js';
import { readLdSoConf } from '../../src/resolve/ld-conf.js';
import { createResolverSync } from '../../src/resolve/resolver.js';
import { parseShebang } from '../../src/resolve/shebang.js';
import { SourceRoot } from '../../src/resolve/source-root.js';
import type { Dependencies } from '../../src/resolve/types.js';
import { globRoot } from '../../src/sys/index.js';
import { tmpDir } from '../helpers/tmp.js';

const v = { origin: '/opt/app/bin', lib: 'lib/x86_64-linux-gnu', platform: 'x86_64' };

describe('dynamic string tokens', () => {
  it('expands bare and braced tokens, not longer names', () => {
    // biome-ignore-start lint/suspicious/noTemplateCurlyInString: the loader's own ${TOKEN} syntax
    expect(expandDst('$ORIGIN/../lib:${ORIGIN}/x', v)).toBe('/opt/app/bin/../lib:/opt/app/bin/x');
    expect(expandDst('/usr/$LIB/${PLATFORM}', v)).toBe('/usr/lib/x86_64-linux-gnu/x86_64');
    // biome-ignore-end lint/suspicious/noTemplateCurlyInString: end
    expect(expandDst('/x/$ORIGINAL', v)).toBe('/x/$ORIGINAL');
  });
  it('splits path lists: empty and relative entries start at /, duplicates drop', () => {
    expect(splitPathList('$ORIGIN/../lib::rel//x/:/a:/a', v)).toEqual([
      '/opt/app/bin/../lib',
      '/',
      '/rel/x',
      '/a',
    ]);
  });
});

describe('#! lines', () => {
  it('splits like Linux and finds env targets past options and assignments', () => {
    expect(parseShebang('/bin/sh -e')).toEqual({ interpreter: '/bin/sh', arg: '-e', envTarget: null });
    expect(parseShebang(' /usr/bin/env python3')?.envTarget).toBe('python3');
    expect(parseShebang('/usr/bin/env -S A=1 -u X perl -w')?.envTarget).toBe('perl');
    expect(parseShebang('   ')).toBeNull();
  });
});

describe('hwcaps levels from cpuinfo', () => {
  it('stops at the first level a flag is missing for, best first', () => {
    const v2 = 'flags : cx16 lahf_lm popcnt pni sse4_1 sse4_2 ssse3 avx avx2';
    expect(hostX86Levels(v2)).toEqual(['x86-64-v2']);
    const v3 = `${v2} bmi1 bmi2 f16c fma abm movbe xsave`;
    expect(hostX86Levels(v3)).toEqual(['x86-64-v3', 'x86-64-v2']);
    expect(hostX86Levels('flags : fpu')).toEqual([]);
  });
});

describe('ld.so.cache formats, made by ldconfig', () => {
  const R = tmpDir();
  it('new, old and compat caches give the same entries; flags select the ABI', async () => {
    mkdirSync(path.join(R, 'etc'));
    mkdirSync(path.join(R, 'opt/lib'), { recursive: true });
    copyFileSync('/lib/x86_64-linux-gnu/libz.so.1', path.join(R, 'opt/lib/libz.so.1'));
    writeFileSync(path.join(R, 'etc/ld.so.conf'), '/opt/lib\n');
    for (const [fmt, file] of [
      ['new', 'new'],
      ['old', 'old'],
      ['compat', 'compat'],
    ] as const)
      await execa('ldconfig', ['-r', R, '-c', fmt, '-C', `/etc/${file}`]);
    const parsed = ['new', 'old', 'compat'].map((f) => parseLdCache(readFileSync(path.join(R, 'etc', f))));
    for (const c of parsed) {
      expect(c).not.toBeNull();
      if (!c) continue;
      expect(lookupCache(c, 'libz.so.1', [0x0303], [])).toEqual(['/opt/lib/libz.so.1']);
    }
    // An entry flagged for aarch64 (FLAG_AARCH64_LIB64 | FLAG_ELF_LIBC6) is not offered to x86_64.
    const img = readFileSync(path.join(R, 'etc/new'));
    img.writeInt32LE(0x0a03, 48);
    const foreign = parseLdCache(img);
    expect(foreign && lookupCache(foreign, 'libz.so.1', [0x0303], [])).toEqual([]);
    expect(foreign && lookupCache(foreign, 'libz.so.1', [0x0a03], [])).toEqual(['/opt/lib/libz.so.1']);
    expect(parseLdCache(Buffer.from('not a cache'))).toBeNull();
  });

  it('glibc-hwcaps entries rank by the allowed list', () => {
    const c = {
      byName: new Map([
        [
          'libx.so',
          [
            {
              flags: 0x303,
              key: 'libx.so',
              value: '/l/glibc-hwcaps/x86-64-v3/libx.so',
              hwcaps: 'x86-64-v3',
              legacyHwcap: false,
            },
            {
              flags: 0x303,
              key: 'libx.so',
              value: '/l/glibc-hwcaps/x86-64-v2/libx.so',
              hwcaps: 'x86-64-v2',
              legacyHwcap: false,
            },
            { flags: 0x303, key: 'libx.so', value: '/l/libx.so', hwcaps: null, legacyHwcap: false },
          ],
        ],
      ]),
    };
    expect(lookupCache(c, 'libx.so', [0x303], ['x86-64-v2'])[0]).toBe('/l/glibc-hwcaps/x86-64-v2/libx.so');
    expect(lookupCache(c, 'libx.so', [0x303], ['x86-64-v3', 'x86-64-v2'])[0]).toBe(
      '/l/glibc-hwcaps/x86-64-v3/libx.so',
    );
    expect(lookupCache(c, 'libx.so', [0x303], [])).toEqual(['/l/libx.so']);
  });
});

describe('ld.so.conf and root layouts', () => {
  const R = tmpDir();
  it('reads include globs (relative ones too), ignores hwcap lines and comments', () => {
    mkdirSync(path.join(R, 'etc/ld.so.conf.d'), { recursive: true });
    writeFileSync(
      path.join(R, 'etc/ld.so.conf'),
      '# c\n/first\ninclude ld.so.conf.d/*.conf\nhwcap 1 x\n/last/\n',
    );
    writeFileSync(path.join(R, 'etc/ld.so.conf.d/b.conf'), '/b1, /b2\n');
    writeFileSync(path.join(R, 'etc/ld.so.conf.d/a.conf'), '/a\ninclude /etc/ld.so.conf\n');
    writeFileSync(path.join(R, 'etc/ld.so.conf.d/skip.txt'), '/never\n');
    const root = new SourceRoot(R);
    expect(readLdSoConf(root)).toEqual(['/first', '/a', '/b1', '/b2', '/last']);
    expect(globRoot(root, '/etc/ld.so.conf.d/*.conf')).toEqual([
      '/etc/ld.so.conf.d/a.conf',
      '/etc/ld.so.conf.d/b.conf',
    ]);
  });

  it('default directories: multiarch, lib64, or plain lib, by what the root holds', () => {
    const elf = readElf('/bin/ls');
    const dirs = (layout: string[]) => {
      const r = tmpDir();
      for (const d of layout) mkdirSync(path.join(r, d), { recursive: true });
      return new RootConfig(new SourceRoot(r), {}).env(elf);
    };
    expect(dirs(['usr/lib/x86_64-linux-gnu'])).toMatchObject({
      defaultDirs: ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib', '/usr/lib'],
      lib: 'lib/x86_64-linux-gnu',
    });
    expect(dirs(['usr/lib64'])).toMatchObject({ defaultDirs: ['/lib64', '/usr/lib64'], lib: 'lib64' });
    expect(dirs(['usr/lib'])).toMatchObject({ defaultDirs: ['/lib', '/usr/lib'], lib: 'lib' });
    expect(new RootConfig(new SourceRoot('/'), { hwcaps: 'baseline' }).env(elf).subdirs).toEqual([]);
  });

  it('musl reads /etc/ld-musl-ARCH.path, else its default', () => {
    const r = tmpDir();
    mkdirSync(path.join(r, 'etc'));
    const cfg = new RootConfig(new SourceRoot(r), {});
    expect(cfg.muslPath('aarch64')).toEqual(['/lib', '/usr/local/lib', '/usr/lib']);
    writeFileSync(path.join(r, 'etc/ld-musl-x86_64.path'), '/opt/a:/opt/b\n/opt/c\n');
    expect(cfg.muslPath('x86_64')).toEqual(['/opt/a', '/opt/b', '/opt/c']);
  });
});

describe('closures inside a root', () => {
  const R = tmpDir();
  it('an absent interpreter and libraries are missing; symlink chains all land in files', () => {
    mkdirSync(path.join(R, 'bin'));
    mkdirSync(path.join(R, 'usr/lib/x86_64-linux-gnu'), { recursive: true });
    copyFileSync('/bin/true', path.join(R, 'bin/true'));
    const lonely = createResolverSync({ root: R }).resolveSync('/bin/true') as Dependencies;
    expect(lonely.missing).toEqual(['/lib64/ld-linux-x86-64.so.2', 'libc.so.6']);
    expect(lonely.closure).toEqual([]);

    // libc.so.6 -> libc-2.36.so -> real/libc (absolute link, read inside the root)
    symlinkSync('usr/lib', path.join(R, 'lib'));
    mkdirSync(path.join(R, 'real'));
    copyFileSync('/lib/x86_64-linux-gnu/libc.so.6', path.join(R, 'real/libc'));
    symlinkSync('/real/libc', path.join(R, 'usr/lib/x86_64-linux-gnu/libc-2.36.so'));
    symlinkSync('libc-2.36.so', path.join(R, 'usr/lib/x86_64-linux-gnu/libc.so.6'));
    mkdirSync(path.join(R, 'lib64'));
    copyFileSync('/lib64/ld-linux-x86-64.so.2', path.join(R, 'lib64/ld-linux-x86-64.so.2'));
    const d = createResolverSync({ root: R }).resolveSync('/bin/true') as Dependencies;
    expect(d.missing).toEqual([]);
    expect(d.closure).toEqual(['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
    expect(d.files).toEqual([
      '/bin/true',
      '/lib',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
      '/real/libc',
      '/usr/lib/x86_64-linux-gnu/libc-2.36.so',
      '/usr/lib/x86_64-linux-gnu/libc.so.6',
    ]);
  });

  it('lenient mode gives null for a plain file; strict mode names it', () => {
    writeFileSync(path.join(R, 'notes.txt'), 'x');
    const r = createResolverSync({ root: R });
    expect(r.resolveSync('/notes.txt', { lenient: true })).toBeNull();
    expect(() => r.resolveSync('/notes.txt')).toThrow(
      expect.objectContaining({ code: 'NOT_ELF', path: '/notes.txt' }),
    );
  });

  it('a FIFO is never opened (a read would block): not ELF, null when lenient', async () => {
    await execa('mkfifo', [path.join(R, 'pipe')]);
    const r = createResolverSync({ root: R });
    expect(r.resolveSync('/pipe', { lenient: true })).toBeNull();
    expect(() => r.resolveSync('/pipe')).toThrow(expect.objectContaining({ code: 'NOT_ELF' }));
  });

  it('ld.so.conf files that include each other are read once each', () => {
    mkdirSync(path.join(R, 'etc/ld.so.conf.d'), { recursive: true });
    writeFileSync(path.join(R, 'etc/ld.so.conf'), 'include /etc/ld.so.conf.d/*\n');
    for (const n of 'abcdefgh')
      writeFileSync(path.join(R, `etc/ld.so.conf.d/${n}`), `/${n}\ninclude /etc/ld.so.conf.d/*\n`);
    expect(readLdSoConf(new SourceRoot(R))).toEqual([...'abcdefgh'].map((n) => `/${n}`));
  });
});
