import { describe, expect, it } from 'vitest';
import {
  jobChain,
  parseBind,
  parseEnv,
  parseLimits,
  parsePasswd,
  parseSize,
  parseTimeReport,
  prlimitArgs,
} from '../../src/index.js';
import type { ChainInput } from '../../src/run/chain.js';
import type { HostTools } from '../../src/run/host-tools.js';
import { STAND_IN_TOOLS } from './stand-in-tools.js';

/** A job of uid 1000 running `prog` in /j from /w, with `over` changed. */
function job(over: Partial<ChainInput>): ChainInput {
  return {
    jail: '/j',
    workdir: '/w',
    uid: 1000,
    gid: 1001,
    limits: {},
    command: ['prog'],
    timeFile: null,
    seccomp: true,
    ...over,
  };
}

describe('run option parsers', () => {
  it('sizes take K/M/G as powers of 1024', () => {
    expect(parseSize('256M', 'x')).toBe(268435456);
    expect(parseSize('2g', 'x')).toBe(2 * 1024 ** 3);
    expect(parseSize('17', 'x')).toBe(17);
    expect(() => parseSize('1.5G', 'x')).toThrow(/K, M or G/);
  });

  it('limits parse every key and refuse unknown ones', () => {
    expect(parseLimits(['cpu=5,mem=256M', 'nproc=32,fsize=1K,nofile=64'])).toEqual({
      cpu: 5,
      mem: 268435456,
      nproc: 32,
      fsize: 1024,
      nofile: 64,
    });
    expect(() => parseLimits(['stack=1M'])).toThrow(/not one of/);
    expect(prlimitArgs({ mem: 10, cpu: 2 })).toEqual(['--core=0:0', '--cpu=2:2', '--as=10:10']);
  });

  it('binds are read-only unless :rw, with an absolute jail path', () => {
    expect(parseBind('/a:/b')).toEqual({ source: '/a', target: '/b', readOnly: true });
    expect(parseBind('./a:/b:rw')).toEqual({ source: './a', target: '/b', readOnly: false });
    expect(() => parseBind('/a:b')).toThrow(/absolute/);
    expect(() => parseBind('/a:/b:rx')).toThrow(/SRC:DST/);
  });

  it('env pairs need a portable name', () => {
    expect(parseEnv(['A=1', 'B_2=x=y'])).toEqual({ A: '1', B_2: 'x=y' });
    expect(() => parseEnv(['1A=2'])).toThrow(/NAME=VALUE/);
  });

  it('passwd is parsed as data, skipping junk lines', () => {
    const users = parsePasswd('root:x:0:0::/root:/bin/sh\n# c\nbad\njob:x:1000:1001::/home/job:/bin/sh\n');
    expect(users.map((u) => [u.name, u.uid, u.gid, u.home])).toEqual([
      ['root', 0, 0, '/root'],
      ['job', 1000, 1001, '/home/job'],
    ]);
  });

  it('GNU time reports give the exit code, the signal and the peak RSS', () => {
    expect(parseTimeReport('Command terminated by signal 9\n0 1464\n')).toEqual({
      exitCode: 137,
      signal: 9,
      maxRssBytes: 1464 * 1024,
    });
    expect(parseTimeReport('Command exited with non-zero status 4\n4 1456')).toEqual({
      exitCode: 4,
      signal: null,
      maxRssBytes: 1456 * 1024,
    });
    expect(parseTimeReport('garbage')).toBeNull();
  });

  it('with jailsmith-enter, setpriv keeps setpcap for it and it does the chroot and the drop', () => {
    const tools: HostTools = { ...STAND_IN_TOOLS, enter: 'E' };
    const argv = jobChain(tools, job({}));
    expect(argv).toContain('--bounding-set=-all,+sys_chroot,+setuid,+setgid,+dac_read_search,+setpcap');
    expect(argv.slice(argv.indexOf('E'))).toEqual(['E', '/j', '/w', '1000', '1001', '--', 'prog']);
    expect(argv).not.toContain('U');
  });

  it('without the filter, jailsmith-enter gets --no-seccomp before its positional arguments', () => {
    const argv = jobChain({ ...STAND_IN_TOOLS, enter: 'E' }, job({ seccomp: false }));
    expect(argv.slice(argv.indexOf('E'))).toEqual([
      'E',
      '--no-seccomp',
      '/j',
      '/w',
      '1000',
      '1001',
      '--',
      'prog',
    ]);
  });

  it('the chain drops privileges after the chroot, in this order', () => {
    const tools = STAND_IN_TOOLS;
    // The unshare fallback has no filter to install, and no flag to say so.
    const argv = jobChain(tools, job({ limits: { nproc: 4 }, command: ['prog', '-x'], seccomp: false }));
    expect(argv).toEqual([
      'PL',
      '--core=0:0',
      '--nproc=4:4',
      '--',
      'SP',
      '--no-new-privs',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all,+sys_chroot,+setuid,+setgid,+dac_read_search',
      'SS',
      '--wait',
      'U',
      '--root',
      '/j',
      '--wd',
      '/w',
      '--setgid',
      '1001',
      '--setuid',
      '1000',
      '--',
      'prog',
      '-x',
    ]);
  });
});
