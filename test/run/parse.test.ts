import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { parseBind, parseEnv, parseLimits, parseSize, parseTmpfs } from '../../src/policy/index.js';
import { RACY_NS } from '../../src/resolve/file-facts.js';
import { SourceRoot } from '../../src/resolve/source-root.js';
import type { EngineInput } from '../../src/run/engine.js';
import { fstabText, rlimitsFor } from '../../src/run/engine.js';
import { checkUidRange, engineArgv, parseUidRange, prlimitArgs } from '../../src/run/index.js';
import type { PreparedRun } from '../../src/run/prepare.js';
import { parsePasswd } from '../../src/sys/index.js';
import { STAND_IN_TOOLS } from './stand-in-tools.js';

/** A job of jail uid 1000 running `prog -x` in /w of /j, as host uid 2000000005, with `over` changed. */
function engine(over: Partial<EngineInput> = {}, prep: Partial<PreparedRun> = {}): EngineInput {
  return {
    tools: STAND_IN_TOOLS,
    prep: {
      root: new SourceRoot('/j'),
      uid: 1000,
      gid: 1001,
      env: { PATH: '/bin', HOME: '/w' },
      command: ['prog', '-x'],
      workdir: '/w',
      binds: [{ source: '/host/out', target: '/out', dir: true, readOnly: false }],
      tmpfs: [{ target: '/tmp', size: 1024 * 1024, mode: 0o1777, exec: false }],
      devices: [{ host: '/dev/null', target: '/dev/null' }],
      ...prep,
    },
    net: 'none',
    become: 2000000005,
    rootless: false,
    rlimits: { nofile: 64 },
    cgroupJoin: ['/cg/memory/j/tasks', '/cg/pids/j/tasks'],
    stage: { base: '/s', root: '/s/root', binds: ['/s/bind-0'], tmpfs: ['/s/tmpfs-0'] },
    tmpfsOwner: { uid: 2000000005, gid: 2000000005 },
    errorFile: '/w/error',
    fstab: '/w/fstab',
    seccompFd: 3,
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

  it('limits parse every key (and the spec’s aliases) and refuse unknown ones', () => {
    expect(parseLimits(['cpu=5,mem=256M', 'nproc=32,fsize=1K,nofile=64', 'cores=0.5,as=1G'])).toEqual({
      cpu: 5,
      mem: 268435456,
      nproc: 32,
      fsize: 1024,
      nofile: 64,
      cores: 0.5,
      as: 1024 ** 3,
    });
    expect(parseLimits(['memory=1M,pids=7'])).toEqual({ mem: 1024 ** 2, nproc: 7 });
    expect(() => parseLimits(['stack=1M'])).toThrow(/not one of/);
    expect(() => parseLimits(['cores=lots'])).toThrow(/positive number of cores/);
    expect(() => parseLimits(['cores=0'])).toThrow(/positive number of cores/);
    expect(() => parseLimits(['mem=12Q'])).toThrow(/K, M or G/);
  });

  it('rlimits: what a cgroup enforces is left to it; without one they stand in, per process', () => {
    expect(rlimitsFor({ mem: 10, nproc: 4, cores: 1, cpu: 2, nofile: 9 }, true)).toEqual({
      cpu: 2,
      nofile: 9,
    });
    // Without a cgroup, RLIMIT_NPROC also holds bubblewrap's two processes of the job's uid.
    expect(rlimitsFor({ mem: 10, nproc: 4, cpu: 2 }, false)).toEqual({ cpu: 2, as: 10, nproc: 6 });
    expect(rlimitsFor({ mem: 10, as: 20 }, false)).toEqual({ as: 20 });
    expect(prlimitArgs({ as: 10, cpu: 2 })).toEqual(['--as=10:10', '--cpu=2:2']);
    expect(prlimitArgs({})).toEqual([]);
  });

  it('tmpfs: PATH[:SIZE][:exec], absolute, no ..', () => {
    expect(parseTmpfs('/home/app:64M')).toEqual({ path: '/home/app', size: 64 * 1024 ** 2 });
    expect(parseTmpfs('/scratch:1G:exec')).toEqual({ path: '/scratch', size: 1024 ** 3, exec: true });
    expect(parseTmpfs('/tmp')).toEqual({ path: '/tmp' });
    expect(() => parseTmpfs('home')).toThrow(/absolute/);
    expect(() => parseTmpfs('/a/../b')).toThrow(/absolute jail path without '..'/);
    expect(() => parseTmpfs('/a:big')).toThrow(/K, M or G/);
  });

  it('binds are read-only unless :rw, with an absolute jail path', () => {
    expect(parseBind('/a:/b')).toEqual({ source: '/a', target: '/b', readOnly: true });
    expect(parseBind('/a:/b:rw')).toEqual({ source: '/a', target: '/b', readOnly: false });
    expect(() => parseBind('/a:b')).toThrow(/absolute/);
    expect(() => parseBind('/a:/b:xx')).toThrow(/SRC:DST/);
  });

  it('env pairs need a portable name', () => {
    expect(parseEnv(['A=1', 'B_2=x=y'])).toEqual({ A: '1', B_2: 'x=y' });
    expect(() => parseEnv(['1A=x'])).toThrow(/NAME=VALUE/);
  });

  it('passwd is parsed as data, skipping junk lines', () => {
    const users = parsePasswd('root:x:0:0::/root:/bin/sh\n# c\nbad\njob:x:1000:1001::/home/job:/bin/sh\n');
    expect(users.map((u) => u.uid)).toEqual([0, 1000]);
  });
});

describe('per-job uid ranges', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jailsmith-uidrange-'));
  const files = {
    passwd: path.join(dir, 'passwd'),
    group: path.join(dir, 'group'),
    subuid: path.join(dir, 'subuid'),
    subgid: path.join(dir, 'subgid'),
  };
  writeFileSync(files.passwd, 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
  writeFileSync(files.group, 'root:x:0:\nbig:x:3000000000:\n');
  writeFileSync(files.subuid, 'alice:100000:65536\n');
  writeFileSync(files.subgid, 'alice:100000:65536\n');

  it('parses FIRST-LAST and refuses nonsense', () => {
    expect(parseUidRange('2000000000-2000000099', 'x')).toEqual({ first: 2000000000, last: 2000000099 });
    expect(() => parseUidRange('5-1', 'x')).toThrow(/FIRST-LAST/);
    expect(() => parseUidRange('0-10', 'x')).toThrow(/FIRST-LAST/);
    expect(() => parseUidRange('1-4294967295', 'x')).toThrow(/FIRST-LAST/);
    expect(() => parseUidRange('lots', 'x')).toThrow(/FIRST-LAST/);
  });

  it('refuses a range over a host account, a group or a subordinate range, naming it', () => {
    expect(() => checkUidRange({ first: 900, last: 1100 }, files)).toThrow(/overlaps alice \(id 1000\)/);
    expect(() => checkUidRange({ first: 165000, last: 166000 }, files)).toThrow(
      /alice \(ids 100000-165535\).*subuid/,
    );
    expect(() => checkUidRange({ first: 2999999999, last: 3000000001 }, files)).toThrow(/big .*group/);
    expect(() => checkUidRange({ first: 2000000000, last: 2000065535 }, files)).not.toThrow();
  });

  it('a range found clear is checked again once an id file changed, settled or not', async () => {
    // Files older than the racy window are keyed and remembered; a change, fresh or settled, shows.
    const settle = () => sleep(Number(RACY_NS / 1_000_000n) + 100);
    const range = { first: 2000000000, last: 2000065535 };
    const before = readFileSync(files.passwd, 'utf8');
    await settle();
    expect(() => checkUidRange(range, files)).not.toThrow();
    expect(() => checkUidRange(range, files)).not.toThrow();
    try {
      writeFileSync(files.passwd, `${before}bob:x:2000000007:100::/home/bob:/bin/sh\n`);
      expect(() => checkUidRange(range, files)).toThrow(/overlaps bob \(id 2000000007\)/);
      writeFileSync(files.passwd, before);
      await settle();
      expect(() => checkUidRange(range, files)).not.toThrow();
      writeFileSync(files.passwd, `${before}eve:x:2000000009:100::/home/eve:/bin/sh\n`);
      await settle();
      expect(() => checkUidRange(range, files)).toThrow(/overlaps eve \(id 2000000009\)/);
    } finally {
      writeFileSync(files.passwd, before);
    }
  }, 15_000);
});

describe('the engine’s argument vector', () => {
  it('root: mounts as root in a private mount namespace, then bubblewrap as the per-job uid', () => {
    const argv = engineArgv(engine());
    const bw = argv.indexOf('BW');
    const sp = argv.lastIndexOf('U', bw);
    // The per-job uid comes after root's mounts and right before bubblewrap; never root in a userns.
    // Numbers only (unshare's --setuid): setpriv --reuid would look the text up as a user name.
    expect(argv.slice(sp, bw)).toEqual(['U', '--setuid=2000000005', '--setgid=2000000005', '--']);
    expect(argv.filter((a) => a.startsWith('--re'))).toEqual([]);
    // No parent-death step at the top: the setup shell's watcher ends the chain when this process dies.
    expect(argv).not.toContain('--pdeathsig');
    expect(argv.slice(0, 8)).toEqual([
      'U',
      '--mount',
      '--propagation',
      'private',
      '--pid',
      '--fork',
      '--kill-child',
      '--',
    ]);
    const setup = argv.slice(argv.indexOf('jailsmith-setup') + 1, argv.indexOf('PL'));
    expect(setup).toEqual(['/w/error', 'M', 'K', '/w/fstab', '2', '/cg/memory/j/tasks', '/cg/pids/j/tasks']);
    // One mount process: a small tmpfs over the staging base (mount makes the points in it), the
    // jail and each bind source onto their points, then the tmpfs, noexec.
    expect(fstabText(engine())).toBe(
      [
        'tmpfs /s tmpfs size=65536,mode=0711,nosuid,nodev,noexec 0 0',
        '/j /s/root none bind,X-mount.mkdir 0 0',
        '/host/out /s/bind-0 none bind,X-mount.mkdir 0 0',
        'tmpfs /s/tmpfs-0 tmpfs size=1048576,mode=1777,uid=2000000005,gid=2000000005,nosuid,nodev,noexec,X-mount.mkdir 0 0',
        '',
      ].join('\n'),
    );
    const odd = engine(
      { stage: { base: '/s', root: '/s/root', binds: ['/w/bind-0'], tmpfs: ['/s/tmpfs-0'] } },
      { binds: [{ source: '/a b\\c\td', target: '/x', dir: false, readOnly: true }] },
    );
    // A file bind's point is a host file (mount makes only directories).
    expect(fstabText(odd).split('\n')[2]).toBe('/a\\040b\\134c\\011d /w/bind-0 none bind 0 0');
    expect(argv.slice(argv.indexOf('PL'), sp)).toEqual(['PL', '--nofile=64:64', '--']);
    expect(engineArgv(engine({ rlimits: {} }))).not.toContain('PL');
  });

  it('bubblewrap: its own user, every namespace, the jail read-only at /, mounts parents first, a clean env', () => {
    const argv = engineArgv(
      engine(
        {},
        {
          binds: [{ source: '/host/data', target: '/tmp/data', dir: true, readOnly: true }],
        },
      ),
    );
    expect(argv.slice(argv.indexOf('BW'))).toEqual([
      'BW',
      '--unshare-user',
      '--uid',
      '1000',
      '--gid',
      '1001',
      '--unshare-all',
      '--die-with-parent',
      '--new-session',
      '--cap-drop',
      'ALL',
      '--disable-userns',
      '--seccomp',
      '3',
      '--ro-bind',
      '/s/root',
      '/',
      '--proc',
      '/proc',
      '--bind',
      '/s/tmpfs-0',
      '/tmp',
      '--ro-bind',
      '/s/bind-0',
      '/tmp/data',
      '--dev-bind',
      '/dev/null',
      '/dev/null',
      '--chdir',
      '/w',
      '--clearenv',
      '--setenv',
      'HOME',
      '/w',
      '--setenv',
      'PATH',
      '/bin',
      '--',
      'prog',
      '-x',
    ]);
  });

  it('rootless: a user namespace of its own for the mounts, no uid change; --share-net and no filter when asked', () => {
    const argv = engineArgv(engine({ become: null, rootless: true, net: 'host', seccompFd: null }));
    expect(argv.slice(0, 4)).toEqual(['U', '--user', '--map-root-user', '--mount']);
    expect(argv.filter((a) => a.startsWith('--setuid'))).toEqual([]);
    expect(argv).toContain('--share-net');
    expect(argv).not.toContain('--seccomp');
  });

  it('rootless with sub-ids: the caller is root of the namespace, the job’s sub-id is uid 1 there, become after the mounts', () => {
    const argv = engineArgv(
      engine({ become: 1, rootless: true, subordinate: { uid: 3000000007, gid: 3000000007 } }),
    );
    expect(argv.slice(0, 6)).toEqual([
      'U',
      '--user',
      '--map-root-user',
      '--map-users=3000000007,1,1',
      '--map-groups=3000000007,1,1',
      '--mount',
    ]);
    const bw = argv.indexOf('BW');
    expect(argv.slice(argv.lastIndexOf('U', bw), bw)).toEqual(['U', '--setuid=1', '--setgid=1', '--']);
    expect(argv.filter((a) => a.startsWith('--setuid'))).toEqual(['--setuid=1']);
  });

  it('rootless forced by root: the per-job uid makes the user namespace, before anything else', () => {
    const argv = engineArgv(engine({ rootless: true }));
    expect(argv.slice(0, 4)).toEqual(['U', '--setuid=2000000005', '--setgid=2000000005', '--']);
    expect(argv.filter((a) => a.startsWith('--setuid'))).toHaveLength(1);
    expect(argv.slice(4, 7)).toEqual(['U', '--user', '--map-root-user']);
  });
});
