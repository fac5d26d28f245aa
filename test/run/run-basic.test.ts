import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { runJail } from '../../src/index.js';
import { hostTools } from '../../src/run/host-tools.js';
import { childrenOf } from '../../src/run/job-pid.js';
import { workDirParent } from '../../src/run/stage.js';
import { BIN, runCli } from '../helpers/cli.js';
import { inOwnMountNs } from '../helpers/mount-ns.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { hostListener, pidsOfUid } from './host-fixtures.js';
import { makeCJail } from './jails.js';

/** Polls a condition (state, not speed: the bound only keeps a broken run from hanging the suite). */
async function until(cond: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`still not so after ${limitMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Processes not of root whose argv holds `marker`: the job and the sandbox around it (its per-job uid). */
function jobPids(marker: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${n}/status`, 'utf8'))?.[1];
        return uid !== '0' && readFileSync(`/proc/${n}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describeAsRoot('jailsmith run: entering a jail', () => {
  const base = tmpDir('jailsmith-run-basic-');
  const jail = path.join(base, 'c');

  beforeAll(async () => {
    await makeCJail(jail);
  });

  it('runs as an unprivileged uid, chrooted, in fresh namespaces, with no capability left', async () => {
    const out = path.join(base, 'status-out');
    mkdirSync(out);
    chmodSync(out, 0o777);
    const r = await runJail({
      jail,
      command: ['/bin/sh', '-c', 'cat /proc/self/status > /out/status; ls / > /out/root; exit 7'],
      binds: [{ source: out, target: '/out', readOnly: false }],
    });
    expect(r).toMatchObject({ exitCode: 7, signal: null, timedOut: false });
    const status = readFileSync(path.join(out, 'status'), 'utf8');
    expect(status).toMatch(/^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
    expect(status).toMatch(/^Gid:\s+65534\s+65534\s+65534\s+65534$/m);
    expect(status).toMatch(/^Groups:\s*$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    // The bounding set too: jailsmith-enter (built by `npm run build`, which the tests run) empties it.
    expect(hostTools().enter).not.toBeNull();
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapAmb', 'CapBnd']) {
      expect(status).toMatch(new RegExp(`^${set}:\\s+0000000000000000$`, 'm'));
    }
    // The jail's own root listing, not the host's.
    expect(readFileSync(path.join(out, 'root'), 'utf8').split('\n').sort()).toContain('usr');
    expect(readFileSync(path.join(out, 'root'), 'utf8')).not.toMatch(/^(boot|root|srv)$/m);
  });

  it('passes a clean environment: PATH, HOME, LANG and --env only', async () => {
    const out = path.join(base, 'env-out');
    mkdirSync(out);
    chmodSync(out, 0o777);
    const r = await runJail({
      jail,
      user: 'jail',
      command: ['/bin/sh', '-c', 'cat /proc/self/environ > /out/env; pwd > /out/pwd'],
      env: { FOO: 'bar' },
      workdir: '/work',
      binds: [{ source: out, target: '/out', readOnly: false }],
    });
    expect(r.exitCode).toBe(0);
    const env = readFileSync(path.join(out, 'env'), 'utf8').split('\0').filter(Boolean).sort();
    expect(env.filter((l) => !l.startsWith('PWD='))).toEqual([
      'FOO=bar',
      'HOME=/home/jail',
      'LANG=C.UTF-8',
      'PATH=/usr/local/bin:/usr/bin:/bin',
    ]);
    expect(readFileSync(path.join(out, 'pwd'), 'utf8').trim()).toBe('/work');
  });

  it('passes stdin, stdout and stderr through', async () => {
    const r = await runCli(['run', jail, '--', '/bin/sh', '-c', 'cat; echo to-stderr >&2'], {
      input: 'piped in\n',
    });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'piped in', stderr: 'to-stderr' });
  });

  it('nothing of the job outlives it: background processes die with the PID namespace', async () => {
    const r = await runJail({
      jail,
      user: 64050,
      command: ['/bin/sh', '-c', '(while :; do :; done) & exit 5'],
    });
    expect(r.exitCode).toBe(5);
    expect(pidsOfUid(r.hostUid)).toEqual([]);
  });

  it('--net host shares the host network (the control for the hostile connect test)', async () => {
    const l = await hostListener();
    try {
      const r = await runJail({
        jail,
        net: 'host',
        command: ['/usr/bin/hostile', 'connect', String(l.port)],
      });
      expect(r.exitCode).toBe(0);
      expect(l.accepted()).toBe(1);
    } finally {
      await l.close();
    }
  });

  it('a job dies with the process that started it, even one killed by SIGKILL', async () => {
    const marker = `spin-${process.pid}-${Date.now()}`;
    const cli = execa(
      process.execPath,
      [BIN, 'run', jail, '--user', '64051', '--', '/bin/sh', '-c', `while :; do :; done # ${marker}`],
      {
        reject: false,
      },
    );
    await until(() => jobPids(marker).length > 0, 'the job runs');
    cli.kill('SIGKILL');
    await cli;
    await until(() => jobPids(marker).length === 0, 'the job is gone');
    expect(jobPids(marker)).toEqual([]);
    // The next jailsmith run (a process's first job sweeps; later ones at most every 10 s) removes
    // the work dir the killed one could not.
    const stale = readdirSync(workDirParent()).filter((n) => n.startsWith(`jailsmith-run-${cli.pid}-`));
    expect(stale).toHaveLength(1);
    const next = await execa(process.execPath, [BIN, 'run', jail, '--', '/bin/sh', '-c', 'true'], {
      reject: false,
    });
    expect(next.exitCode).toBe(0);
    expect(readdirSync(workDirParent()).filter((n) => n.startsWith(`jailsmith-run-${cli.pid}-`))).toEqual([]);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s to jailsmith ends the job, cleans up and exits %i', async (sig, code) => {
    const marker = `stop-${sig}-${process.pid}-${Date.now()}`;
    const cli = execa(
      process.execPath,
      [BIN, 'run', jail, '--', '/bin/sh', '-c', `while :; do :; done # ${marker}`],
      { reject: false },
    );
    await until(() => jobPids(marker).length > 0, 'the job runs');
    cli.kill(sig);
    const r = await cli;
    expect(r.exitCode).toBe(code);
    expect(jobPids(marker)).toEqual([]);
    // Cleaned up by jailsmith itself, not left for the next run's sweep: no work dir, no cgroup.
    expect(readdirSync(workDirParent()).filter((n) => n.startsWith(`jailsmith-run-${cli.pid}-`))).toEqual([]);
    const cgroups = spawnSync('find', [
      '/sys/fs/cgroup',
      '-maxdepth',
      '8',
      '-type',
      'd',
      '-name',
      `job-${cli.pid}-*`,
    ]);
    expect(cgroups.stdout.toString()).toBe('');
  });

  it('an aborted runJail kills the running job whole; aborted before the job starts, nothing runs', async () => {
    const stop = new AbortController();
    const running = runJail({
      jail,
      command: ['/bin/sh', '-c', '(while :; do :; done) & while :; do :; done'],
      signal: stop.signal,
      onStart: () => {
        setTimeout(() => stop.abort(), 200);
      },
    });
    const r = await running;
    expect(r).toMatchObject({ exitCode: 137, signal: 'SIGKILL', timedOut: false, limitsHit: [] });
    expect(pidsOfUid(r.hostUid)).toEqual([]);

    const out = path.join(base, 'aborted-out');
    mkdirSync(out);
    chmodSync(out, 0o777);
    const before = new AbortController();
    before.abort();
    await expect(
      runJail({
        jail,
        binds: [{ source: out, target: '/work', readOnly: false }],
        command: ['/bin/sh', '-c', 'echo ran > /work/ran'],
        signal: before.signal,
      }),
    ).rejects.toMatchObject({ code: 'RUN_ABORTED' });
    expect(existsSync(path.join(out, 'ran'))).toBe(false);
  });

  it('a caller killed between the per-job uid and bubblewrap still takes the job with it', async () => {
    // The window where the process that changed to the job's uid has lost its parent-death signal
    // and bubblewrap has not set its own, widened to 2 s: bubblewrap, in the caller's own mount
    // namespace, is a script that sleeps before it execs the real one (the host's stays as it is).
    const tools = tmpDir('jailsmith-slow-bwrap-');
    chmodSync(tools, 0o755);
    copyFileSync(hostTools().bwrap, path.join(tools, 'bwrap-real'));
    writeFileSync(path.join(tools, 'bwrap'), `#!/bin/sh\nsleep 2\nexec ${tools}/bwrap-real "$@"\n`, {
      mode: 0o755,
    });
    const marker = `window-${process.pid}-${Date.now()}`;
    const cli = execa(
      ...inOwnMountNs(
        'mount --bind "$1" "$2"',
        [path.join(tools, 'bwrap'), hostTools().bwrap],
        [process.execPath, BIN, 'run', jail, '--', '/bin/sh', '-c', `while :; do :; done # ${marker}`],
      ),
      // No pipes: a job that outlived the caller would hold them, and the wait for it would hang.
      { reject: false, stdio: 'ignore' },
    );
    // The sleeping script runs as the job's uid with the job's argv: the window is open.
    await until(() => jobPids(marker).length > 0, 'the chain is in the window');
    cli.kill('SIGKILL');
    await cli;
    // Past the sleep: had anything of the chain outlived the caller, the job would now be running.
    await new Promise((r) => setTimeout(r, 3000));
    expect(jobPids(marker)).toEqual([]);
  });

  it('maxRssBytes is the job’s peak resident memory', async () => {
    const mib = 1024 ** 2;
    // The hostile program's alloc touches every byte: it succeeds (prints ESCAPED) with no limit.
    const big = await runJail({ jail, command: ['/usr/bin/hostile', 'alloc', String(64 * mib)] });
    const small = await runJail({ jail, command: ['/usr/bin/hostile', 'alloc', String(mib)] });
    expect(big.exitCode).toBe(0);
    expect(big.maxRssBytes).toBeGreaterThanOrEqual(64 * mib);
    expect(small.maxRssBytes).toBeLessThan(16 * mib);
  });

  it('reports 128+N and the signal name when a signal ends the job', async () => {
    const r = await runJail({ jail, command: ['/bin/sh', '-c', 'kill -KILL $$'] });
    expect(r).toMatchObject({ exitCode: 137, signal: 'SIGKILL', timedOut: false });
  });

  it('CLI --json prints the result after the job’s own output', async () => {
    const r = await runCli(['run', jail, '--json', '--', '/bin/sh', '-c', 'echo from-job; exit 3']);
    expect(r.exitCode).toBe(3);
    const [first, ...rest] = r.stdout.split('\n');
    expect(first).toBe('from-job');
    const result = JSON.parse(rest.join('\n'));
    expect(result).toMatchObject({ exitCode: 3, signal: null, timedOut: false });
    expect(result.wallSeconds).toBeGreaterThan(0);
    expect(result.maxRssBytes).toBeGreaterThan(0);
  });

  it.each([
    ['a DIR that is not a jail', (b: string) => ['run', path.join(b, 'nope'), '--', 'sh'], /not a jail/],
    [
      'a --user not in the jail',
      (_b: string) => ['run', jail, '--user', 'mallory', '--', 'sh'],
      /not in the jail/,
    ],
    [
      'a missing bind source',
      (b: string) => ['run', jail, '--bind', `${b}/missing:/in`, '--', 'sh'],
      /bind source/,
    ],
    ['a command absent from the jail', (_b: string) => ['run', jail, '--', 'python3'], /command not found/],
    [
      'a bind target absent from the jail',
      (_b: string) => ['run', jail, '--bind', `${base}:/nowhere`, '--', 'sh'],
      /bind target/,
    ],
    ['uid 0', (_b: string) => ['run', jail, '--user', '0', '--', 'sh'], /uid or gid 0/],
    // Limits the sandbox itself could not start under (bubblewrap's error would read as the job's).
    [
      'nofile below what the sandbox needs',
      (_b: string) => ['run', jail, '--limit', 'nofile=5', '--', 'sh'],
      /nofile=5 is below 10, what the sandbox itself needs/,
    ],
    [
      'as below what the sandbox needs',
      (_b: string) => ['run', jail, '--limit', 'as=1M', '--', 'sh'],
      /as=1048576 is below 8M/,
    ],
  ])('bad input: %s → exit 2, one line, nothing run', async (_name, argv, message) => {
    const marker = path.join(base, `ran-${Math.random()}`);
    const r = await runCli([...argv(base), 'marker-arg', marker]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^jailsmith: /);
    expect(r.stderr.split('\n')[0]).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('refuses a bind target reached through a symlink in the jail', async () => {
    symlinkSync('/etc', path.join(jail, 'linked'));
    writeFileSync(path.join(base, 'x'), 'x');
    const r = await runCli(['run', jail, '--bind', `${base}:/linked`, '--', 'sh']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/symlink/);
  });
});

describeAsRoot('jailsmith run: the audit gate and the runtime probe', () => {
  const base = tmpDir('jailsmith-run-gate-');
  const jail = path.join(base, 'c');

  beforeAll(async () => {
    await makeCJail(jail);
  });

  it('--probe --json shows the running job with no critical finding', async () => {
    const r = await runCli([
      'run',
      jail,
      '--probe',
      '--json',
      '--timeout',
      '2',
      '--',
      '/bin/sh',
      '-c',
      'while :; do :; done',
    ]);
    expect(r.exitCode).toBe(137);
    // The kill ends the sandbox from inside: none of its own tools has anything to say.
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.timedOut).toBe(true);
    expect(out.probe.summary.critical).toBe(0);
    expect(out.probe.summary.high).toBe(0);
    const ids = out.probe.findings.map((f: { id: string; severity: string }) => `${f.id}:${f.severity}`);
    expect(ids).not.toContain('proc-uid-root:critical');
    expect(ids.filter((i: string) => i.startsWith('proc-namespace-shared'))).toEqual([]);
  });

  /** A jail with a setuid-root su (a critical finding), and an empty directory any job may write. */
  async function unsafeJail(name: string): Promise<{ unsafe: string; marker: string }> {
    const unsafe = path.join(base, name);
    await makeCJail(unsafe);
    copyFileSync(path.join(unsafe, 'bin/sh'), path.join(unsafe, 'bin/su'));
    chmodSync(path.join(unsafe, 'bin/su'), 0o4755);
    const marker = path.join(base, `out-${name}`);
    mkdirSync(marker);
    chmodSync(marker, 0o777);
    return { unsafe, marker };
  }

  it('refuses a jail with a setuid-root binary unless --allow-unsafe', async () => {
    const { unsafe, marker } = await unsafeJail('unsafe');
    const argv = ['--bind', `${marker}:/out:rw`, '--', '/bin/sh', '-c', 'echo ran > /out/ran'];
    const refused = await runCli(['run', unsafe, ...argv]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr.split('\n')[0]).toMatch(/^jailsmith: refusing a jail .*critical.*setuid/);
    expect(existsSync(path.join(marker, 'ran'))).toBe(false);
    const allowed = await runCli(['run', unsafe, '--allow-unsafe', ...argv]);
    expect(allowed.exitCode).toBe(0);
    expect(readFileSync(path.join(marker, 'ran'), 'utf8')).toBe('ran\n');
  });

  it('a refused job leaves nothing: the chain started while the gate looked ends unmounted, its work dir gone', async () => {
    const { unsafe, marker } = await unsafeJail('unsafe-lib');
    const job = { jail: unsafe, binds: [{ source: marker, target: '/out', readOnly: false }] };
    await expect(
      runJail({ ...job, command: ['/bin/sh', '-c', 'echo ran > /out/ran'] }),
    ).rejects.toMatchObject({ code: 'RUN_UNSAFE_JAIL' });
    expect(readdirSync(marker)).toEqual([]);
    expect(childrenOf(process.pid)).toEqual([]);
    expect(readdirSync(workDirParent()).filter((n) => n.startsWith(`jailsmith-run-${process.pid}-`))).toEqual(
      [],
    );
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(/jailsmith-(run|stage)/);
  });
});
