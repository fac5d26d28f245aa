/**
 * Containment of concurrent hostile jobs (the bubblewrap engine): a directory fd handed between
 * jobs leads to no host path, jobs share no writable place and no identity, limits hold the whole
 * job, the jail is the same after them, and bad input runs nothing. Jobs are python3 programs
 * (containment-job.py) in a jail built from jails/python.yaml.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { type RunOptions, runJail } from '../../src/index.js';
import { manifestOf } from '../../src/manifest/manifest.js';
import { BIN } from '../helpers/cli.js';
import { inOwnMountNs } from '../helpers/mount-ns.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireThat, requireTool } from '../helpers/tools.js';
import { makePythonJail } from './jails.js';

const cgroupsV1 = ['memory', 'pids', 'cpu'].every((c) => existsSync(`/sys/fs/cgroup/${c}/cgroup.procs`));
const cgroupsV2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
const ready =
  requireTool('bwrap', 'bubblewrap') &&
  requireTool('keyctl', 'keyutils') &&
  requireTool('setfacl', 'acl') &&
  requireThat(cgroupsV1 || cgroupsV2, 'the memory, pids and cpu cgroup controllers are not mounted');

describeAsRoot('jailsmith run: containment of concurrent hostile jobs', () => {
  const base = tmpDir('jailsmith-containment-');
  const jail = path.join(base, 'py');
  const input = path.join(base, 'in');
  const out = path.join(base, 'out');
  const shared = path.join(base, 'shared');
  const secret = path.join(base, 'host-secret');

  beforeAll(async () => {
    await makePythonJail(jail);
    mkdirSync(input);
    copyFileSync(path.join(import.meta.dirname, 'containment-job.py'), path.join(input, 'job.py'));
    // The job's uid reaches them only as "other", or by the ACL entry run grants to an rw bind.
    mkdirSync(out, { mode: 0o755 });
    mkdirSync(shared, { mode: 0o755 });
    writeFileSync(secret, 'HOST-SECRET\n');
  }, 120_000);

  /** Runs `job.py ARGS` as the spec's user, its output in a file of /out; returns result and lines. */
  function job(args: string[], extra: Partial<RunOptions> = {}) {
    const log = path.join(out, `log-${Math.random().toString(36).slice(2)}`);
    const done = runJail({
      jail,
      user: 'app',
      workdir: '/home/app',
      tmpfs: [{ path: '/home/app', size: 64 * 1024 ** 2 }],
      env: { PATH: '/usr/bin:/bin', HOME: '/home/app' },
      command: [
        '/bin/sh',
        '-c',
        `exec python3 /in/job.py "$@" > /out/${path.basename(log)} 2>&1`,
        'sh',
        ...args,
      ],
      binds: [
        { source: input, target: '/in', readOnly: true },
        { source: out, target: '/out', readOnly: false },
        { source: shared, target: '/work', readOnly: false },
      ],
      ...extra,
    }).then((r) => ({ r, lines: output(log) }));
    return { done, log };
  }

  function output(log: string): string[] {
    return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  }

  /**
   * A node script that runs `job.py WHAT` with runJail in a process of its own (for a caller with a
   * keyring or a terminal of its own); its argument `on`/`off` sets the seccomp filter.
   */
  function jobRunner(what: string): string {
    const runner = path.join(base, `${what}-runner.mjs`);
    writeFileSync(
      runner,
      `import { runJail } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../dist/index.js'))};\n` +
        `const seccomp = process.argv[2] !== 'off';\n` +
        `const r = await runJail({ jail: ${JSON.stringify(jail)}, seccomp, command: ['/bin/sh', '-c', 'exec python3 /in/job.py ${what}'],` +
        ` binds: [{ source: ${JSON.stringify(input)}, target: '/in', readOnly: true }] });\n` +
        'process.exit(r.exitCode);\n',
    );
    return runner;
  }

  async function until(log: string, line: string): Promise<void> {
    for (let i = 0; i < 300 && !output(log).includes(line); i++) await sleep(20);
    expect(output(log)).toContain(line);
  }

  it.skipIf(!ready)(
    'a directory fd handed over a shared rw bind leads the receiver to no host path',
    async () => {
      const sender = job(['send_root', '/work/sock']);
      await until(sender.log, 'listening');
      const receiver = await job(['use_root', '/work/sock', secret]).done;
      const sent = await sender.done;
      expect(sent.r.exitCode).toBe(0);
      expect(receiver.r.exitCode).toBe(0);
      expect(receiver.lines.join('\n')).not.toMatch(/ESCAPED|HOST-SECRET/);
      // '..' from the sender's root stops there: the top is the jail, never the host's /.
      expect(receiver.lines[0]).toBe(`top ${pyList(readdirSync(jail).sort())}`);
      expect(receiver.lines).toContain('host-path ENOENT');
      expect(receiver.r.hostUid).not.toBe(sent.r.hostUid);
    },
  );

  it.skipIf(!ready)('jobs cannot meet in /tmp or through an abstract socket: each has its own', async () => {
    const sender = job(['abstract_listen', 'jailsmith-test', '2']);
    const tmpSender = job(['send_root', '/tmp/sock'], { timeout: 5 });
    await until(sender.log, 'listening');
    await until(tmpSender.log, 'listening');
    const a = await job(['connect_only', '@jailsmith-test']).done;
    const b = await job(['connect_only', '/tmp/sock']).done;
    expect(a.lines).toEqual(['connect ECONNREFUSED']);
    expect(b.lines).toEqual(['connect ENOENT']);
    await sender.done;
    // The /tmp sender never gets its peer: its timeout ends it.
    expect((await tmpSender.done).r.timedOut).toBe(true);
  });

  it.skipIf(!ready)(
    'concurrent jobs see none of each other’s files; later jobs see nothing; the jail is the same after 20 hostile jobs',
    async () => {
      const before = await manifestOf(jail);
      const planter = job(['plant', 'one']);
      const looker = job(['look', '1.5']);
      const [p, l] = await Promise.all([planter.done, looker.done]);
      expect(p.lines).toContain('planted one');
      expect(p.lines.filter((x) => x.startsWith('WROTE') || x === 'CHMOD')).toEqual([]);
      expect(l.lines).toEqual(['tmp []', 'home []']);
      const hostile = await Promise.all(Array.from({ length: 20 }, (_, i) => job(['plant', `n${i}`]).done));
      for (const h of hostile) expect(h.r.exitCode).toBe(0);
      const later = await job(['look', '0']).done;
      expect(later.lines).toEqual(['tmp []', 'home []']);
      // A planted usercustomize.py in $HOME reaches no later python job.
      const py = await job(['look', '0'], { env: { PATH: '/usr/bin:/bin', HOME: '/home/app' } }).done;
      expect(py.lines.join('\n')).not.toMatch(/PLANTED/);
      // The docker.sock a job left in its /tmp does not reach the next run's audit gate.
      expect(later.r.exitCode).toBe(0);
      expect(await manifestOf(jail)).toEqual(before);
      // Everything a job wrote into the rw binds is the caller's now.
      for (const name of readdirSync(out))
        expect(
          spawnSync('stat', ['-c', '%u', path.join(out, name)])
            .stdout.toString()
            .trim(),
        ).toBe('0');
    },
    120_000,
  );

  it.skipIf(!ready)(
    'one job holding 31 processes leaves a concurrent nproc=32 job its 20 forks, and the host’s uid 65534 forks',
    async () => {
      const holder = job(['hold', '31', '3'], { limits: { nproc: 40 } });
      await until(holder.log, 'holding 31');
      const forker = await job(['forks', '20'], { limits: { nproc: 32 } }).done;
      expect(forker.lines).toEqual(['forked 20 None']);
      const host = spawnSync('setpriv', [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        'sh',
        '-c',
        'true & wait; echo forked',
      ]);
      expect(host.stdout.toString().trim()).toBe('forked');
      expect((await holder.done).r.exitCode).toBe(0);
      // A fork bomb is held at its limit: its forks fail, and the result says so. nproc counts the
      // job's own processes, itself included (the sandbox's are not taken from them): 1 + 7.
      const bomb = await job(['forks', '100'], { limits: { nproc: 8 } }).done;
      expect(bomb.lines[0]).toBe('forked 7 EAGAIN');
      expect(bomb.r.limitsHit).toContain('pids');
      // nproc=1: the job runs, and may not fork.
      const alone = await job(['forks', '5'], { limits: { nproc: 1 } }).done;
      expect(alone.lines).toEqual(['forked 0 EAGAIN']);
      expect(alone.r).toMatchObject({ exitCode: 0, limitsHit: ['pids'] });
    },
  );

  it.skipIf(!ready)(
    'the job’s host uid is the number allocated, even where a user is NAMED like that number',
    async () => {
      // A passwd entry named "2000070123" with uid 4242, seen by this run alone: a tool that looks
      // the per-job uid up as a name (setpriv --reuid does) would run the job as 4242.
      const uid = 2000070123;
      const passwd = path.join(base, 'passwd-named-like-a-uid');
      writeFileSync(
        passwd,
        `${readFileSync('/etc/passwd', 'utf8')}${uid}:x:4242:4242::/nonexistent:/bin/false\n`,
      );
      // The job makes a file in an rw bind and waits: its owner, read from here while the job
      // runs (the file is handed to the caller when it ends), is the job's host uid.
      const dir = path.join(base, 'named-uid');
      mkdirSync(dir, { mode: 0o755 });
      const probe = path.join(dir, 'probe');
      const run = execa(
        ...inOwnMountNs(
          'mount --bind "$1" /etc/passwd',
          [passwd],
          [
            process.execPath,
            BIN,
            'run',
            jail,
            '--uid-range',
            `${uid}-${uid}`,
            '--bind',
            `${dir}:/work:rw`,
            '--',
            '-c',
            "import time; open('/work/probe', 'w').close(); time.sleep(5)",
          ],
        ),
        { reject: false },
      );
      for (let i = 0; i < 250 && !existsSync(probe); i++) await sleep(20);
      // Only the allocated uid may write there (run grants it the bind): under another uid the
      // job cannot even make the probe.
      expect(existsSync(probe), 'the job made its probe in the rw bind').toBe(true);
      const owner = statSync(probe).uid;
      const r = await run;
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(owner).toBe(uid);
    },
  );

  it.skipIf(!ready)(
    '1 GiB into a memfd, SysV shm or /tmp under mem=256M ends the job on the memory limit',
    async () => {
      const limits = { mem: 256 * 1024 ** 2 };
      const big = [{ path: '/tmp', size: 2 * 1024 ** 3 }];
      for (const args of [
        ['memfd', '1024'],
        ['shm', '1024'],
        ['fill', '/tmp/big', '1024'],
      ]) {
        const { r, lines } = await job(args, { limits, tmpfs: [...big, { path: '/home/app' }] }).done;
        expect(lines.join('\n')).not.toMatch(/ESCAPED|wrote/);
        expect(r).toMatchObject({ signal: 'SIGKILL', limitsHit: ['memory'] });
        expect(r.peakMemoryBytes).toBeLessThanOrEqual(limits.mem);
      }
    },
  );

  it.skipIf(!ready)('100 MiB into the default 64M /tmp fails with ENOSPC', async () => {
    const { r, lines } = await job(['fill', '/tmp/big', '100']).done;
    expect(r.exitCode).toBe(0);
    expect(lines[0]).toMatch(/^fill ENOSPC after 6[0-9]$/);
  });

  it.skipIf(!ready)(
    'two spinning processes under cores=0.5 get at most 0.6 CPU-seconds per wall-second',
    async () => {
      const { r, lines } = await job(['spin', '2', '2'], { limits: { cores: 0.5 } }).done;
      expect(lines).toEqual(['spun']);
      expect(r.cpuSeconds).not.toBeNull();
      expect((r.cpuSeconds as number) / r.wallSeconds).toBeLessThanOrEqual(0.6);
    },
  );

  it.skipIf(!ready)('cpu= is CPU seconds of the whole job: forking children does not get more', async () => {
    const { r } = await job(['spin', '2', '20'], { limits: { cpu: 1 }, timeout: 30 }).done;
    expect(r.limitsHit).toContain('cpu');
    expect(r.wallSeconds).toBeLessThan(10);
  });

  it.skipIf(!ready)('the job gets a fresh session keyring, with or without the seccomp filter', async () => {
    // The caller holds a secret in its session keyring; the job must not find it from its own.
    const runner = jobRunner('keyring');
    for (const mode of ['off', 'on']) {
      const r = await execa(
        'keyctl',
        [
          'session',
          'jailsmith-test',
          'sh',
          '-c',
          'keyctl add user jailsmith-test-secret HOSTKEY @s >/dev/null && keyctl show @s | head -1 && exec "$@"',
          'sh',
          process.execPath,
          runner,
          mode,
        ],
        { reject: false, all: true },
      );
      expect(r.exitCode).toBe(0);
      const [callerRing, ring, search] = r.stdout.split('\n');
      expect(callerRing).toMatch(/^Keyring$|^\s*\d+/);
      if (mode === 'off') {
        expect(ring).toMatch(/^ring \d+$/);
        expect(search).toBe('search ENOKEY');
      } else {
        // Under the filter the keyring calls themselves are refused.
        expect([ring, search]).toEqual(['ring EPERM', 'search EPERM']);
      }
    }
  });

  it.skipIf(!ready)('TIOCSTI and TIOCSETD on the caller’s terminal are refused', async () => {
    const runner = jobRunner('tty');
    // script(1) gives the run a real terminal as its stdin.
    const r = await execa('script', ['-qec', `${process.execPath} ${runner}`, '/dev/null'], {
      reject: false,
    });
    expect(r.stdout).toMatch(/TIOCSTI EPERM/);
    expect(r.stdout).toMatch(/TIOCSETD EPERM/);
  });

  it.skipIf(!ready)('bad input runs nothing: exit 2 and one line', async () => {
    const marker = path.join(shared, 'ran');
    const cases: [string[], RegExp][] = [
      [['--tmpfs', '/nowhere'], /tmpfs target does not exist in the jail: \/nowhere/],
      [['--tmpfs', 'tmp'], /--tmpfs: expected an absolute jail path/],
      [['--uid-range', '65000-66000'], /job uid range 65000-66000 overlaps nobody \(id 65534\)/],
      [['--limit', 'mem=12X'], /--limit mem/],
      [['--tmpfs', '/tmp:huge'], /--tmpfs \/tmp/],
    ];
    // The command line of a run that would leave a marker in the shared bind, after `prefix`.
    const runArgv = (flags: string[] = []) => [
      BIN,
      'run',
      jail,
      ...flags,
      '--bind',
      `${shared}:/work:rw`,
      '--',
      '/bin/sh',
      '-c',
      'echo > /work/ran',
    ];
    for (const [flags, message] of cases) {
      const r = await execa(process.execPath, runArgv(flags), { reject: false });
      expect(r.exitCode).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(message);
      expect(r.stderr.split('\n').filter((l) => !l.startsWith('hint:'))).toHaveLength(1);
      expect(existsSync(marker)).toBe(false);
    }
    // No bubblewrap (hidden in a mount namespace of this command alone): one line, nothing run.
    const r = await execa(
      ...inOwnMountNs('mount --bind /dev/null "$(command -v bwrap)"', [], [process.execPath, ...runArgv()]),
      { reject: false },
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'jailsmith: bwrap not found in /usr/bin:/usr/sbin:/bin:/sbin: jailsmith run needs it',
    );
    expect(existsSync(marker)).toBe(false);
  });
});

/** How python prints a sorted list of names. */
function pyList(names: string[]): string {
  return `[${names.map((n) => `'${n}'`).join(', ')}]`;
}
