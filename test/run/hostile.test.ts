/**
 * Hostile jobs in a C jail and a python jail: every attack must fail inside the jail AND leave the
 * host as it was (the listener saw nothing, the host process lives, the file is unchanged...).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunOptions, runJail } from '../../src/index.js';
import { BIN } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { hostListener, hostSleeper, pidsOfUid, processState } from './host-fixtures.js';
import { HOSTILE_JAILS } from './jails.js';

/** A uid of its own per jail kind, so parallel test files never count each other's processes. */
const BASE_UID = 64100;

/**
 * Every jail as root, and the C jail once more forced rootless (a user namespace; as root that
 * runs as the job's uid on the host, so the same host-side checks apply).
 */
const CASES = [
  ...HOSTILE_JAILS.map((kind, index) => ({ kind, rootless: false, uid: BASE_UID + index })),
  { kind: HOSTILE_JAILS[0] as (typeof HOSTILE_JAILS)[number], rootless: true, uid: BASE_UID + 10 },
];

for (const { kind, rootless, uid: JOB_UID } of CASES) {
  describeAsRoot(`jailsmith run: hostile jobs in a ${kind.name}${rootless ? ', rootless' : ''}`, () => {
    const base = tmpDir('jailsmith-run-hostile-');
    // Rootless, the job's uid itself must reach the jail (tmpDir is root 0700).
    if (rootless) chmodSync(base, 0o755);
    const jail = path.join(base, 'jail');
    const secret = path.join(base, 'host-secret');
    const input = path.join(base, 'in');
    const output = path.join(base, 'out');
    let sleeper: ReturnType<typeof hostSleeper>;

    /** Runs the hostile program with an attack; returns the result and what it printed. */
    async function attack(args: string[], extra: Partial<RunOptions> = {}) {
      const log = path.join(output, `log-${Math.random().toString(36).slice(2)}`);
      const r = await runJail({
        jail,
        command: [
          '/bin/sh',
          '-c',
          `exec "$@" > /out/${path.basename(log)} 2>&1`,
          'sh',
          ...kind.prefix,
          ...args,
        ],
        binds: [
          { source: input, target: '/in', readOnly: true },
          { source: output, target: '/out', readOnly: false },
        ],
        user: JOB_UID,
        ...(rootless ? { rootless } : {}),
        ...extra,
      });
      expect(r.rootless).toBe(rootless);
      return { r, out: existsSync(log) ? readFileSync(log, 'utf8') : '' };
    }

    function expectBlocked(res: { r: { exitCode: number }; out: string }): void {
      expect(res.out).not.toMatch(/ESCAPED/);
      expect(res.out).toMatch(/blocked: /);
      expect(res.r.exitCode).toBe(1);
    }

    beforeAll(async () => {
      await kind.make(jail);
      writeFileSync(secret, 'HOST-SECRET\n');
      mkdirSync(input);
      writeFileSync(path.join(input, 'data'), 'hello from the host\n');
      mkdirSync(output);
      chmodSync(output, 0o777);
      sleeper = hostSleeper(JOB_UID);
    }, 60_000);

    afterAll(() => {
      sleeper?.kill('SIGKILL');
    });

    it('cannot connect to a listener on the host’s 127.0.0.1', async () => {
      const l = await hostListener();
      try {
        expectBlocked(await attack(['connect', String(l.port)]));
        expect(l.accepted()).toBe(0);
      } finally {
        await l.close();
      }
    });

    it('cannot kill or ptrace a host process of its own uid', async () => {
      const pid = sleeper.pid as number;
      expect(processState(pid).alive).toBe(true);
      expectBlocked(await attack(['kill', String(pid)]));
      expectBlocked(await attack(['ptrace', String(pid)]));
      expect(processState(pid)).toEqual({ alive: true, tracerPid: 0 });
    });

    it('cannot escape with mkdir x; chroot x; chdir ../../..', async () => {
      const res = await attack(['chroot', secret]);
      expectBlocked(res);
      expect(res.out).toMatch(/blocked: chroot/);
      expect(res.out).not.toMatch(/HOST-SECRET/);
      expect(readFileSync(secret, 'utf8')).toBe('HOST-SECRET\n');
    });

    it('cannot mknod a block device nor mount anything', async () => {
      const before = readFileSync('/proc/self/mountinfo', 'utf8');
      expectBlocked(await attack(['mknod', '/tmp/sda']));
      expect(existsSync(path.join(jail, 'tmp/sda'))).toBe(false);
      expectBlocked(await attack(['mount', '/tmp']));
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(before);
    });

    it('cannot use a directory fd the caller had open (exec 9</srv style)', async () => {
      writeFileSync(path.join(base, 'fd-secret'), 'FD-SECRET\n');
      const fd = openSync(base, 'r');
      try {
        const stdio: (string | number)[] = ['ignore', 'pipe', 'pipe'];
        while (stdio.length < 9) stdio.push('ignore');
        stdio.push(fd);
        const r = await execa(
          process.execPath,
          [
            BIN,
            'run',
            jail,
            // The python jail records its spec's policy (an entrypoint): the hostile program runs as given.
            '--no-policy',
            '--user',
            String(JOB_UID),
            ...(rootless ? ['--rootless'] : []),
            '--',
            ...kind.prefix,
            'fd',
            '9',
            'fd-secret',
          ],
          {
            reject: false,
            // biome-ignore lint/suspicious/noExplicitAny: execa's stdio tuple type does not cover fd numbers at index 9
            stdio: stdio as any,
          },
        );
        expect(String(r.stdout)).toMatch(/blocked: /);
        expect(String(r.stdout)).not.toMatch(/ESCAPED|FD-SECRET/);
        expect(r.exitCode).toBe(1);
      } finally {
        closeSync(fd);
      }
    });

    it('cannot write to a read-only bind', async () => {
      expectBlocked(await attack(['write', '/in/data']));
      expect(readFileSync(path.join(input, 'data'), 'utf8')).toBe('hello from the host\n');
    });

    it('sees only its own processes in /proc and reaches no host file through it', async () => {
      const res = await attack(['proc', secret]);
      expectBlocked(res);
      const pids = [...res.out.matchAll(/^pid (\d+)$/gm)].map((m) => Number(m[1]));
      expect(pids.length).toBeGreaterThan(0);
      // Its own PID namespace: bubblewrap's init (pid 1, the job's own uid) and the job.
      expect(pids.length).toBeLessThan(5);
      expect(Math.max(...pids)).toBeLessThan(10);
    });

    it('a fork bomb under nproc=32 ends by --timeout and the host stays responsive', async () => {
      const bomb = attack(['forkbomb'], { limits: { nproc: 32 }, timeout: 3 });
      await new Promise((r) => setTimeout(r, 1500));
      const probe = await execa('/bin/true', { reject: false });
      expect(probe.exitCode).toBe(0);
      const { r } = await bomb;
      expect(r.timedOut).toBe(true);
      expect(r.signal).toBe('SIGKILL');
      // Nothing of the job survives (its host uid runs nothing), and the host's process of the
      // jail user's uid was never touched.
      expect(pidsOfUid(r.hostUid)).toEqual([]);
      expect(pidsOfUid(JOB_UID)).toEqual([sleeper.pid]);
    });

    it('allocating 2 GiB under mem=256M is ended by the memory limit (the cgroup, or RLIMIT_AS without one)', async () => {
      const res = await attack(['alloc', String(2 * 1024 ** 3)], { limits: { mem: 256 * 1024 ** 2 } });
      expect(res.out).not.toMatch(/ESCAPED/);
      if (res.r.cgroup !== null) {
        expect(res.r).toMatchObject({ signal: 'SIGKILL', limitsHit: ['memory'] });
      } else {
        expectBlocked(res);
      }
    });

    it('allocating 2 GiB under as=256M fails in the job (the address-space rlimit)', async () => {
      expectBlocked(await attack(['alloc', String(2 * 1024 ** 3)], { limits: { as: 256 * 1024 ** 2 } }));
    });

    it('an endless loop under --timeout 3 is killed within 2 s of the limit', async () => {
      const { r } = await attack(['loop'], { timeout: 3 });
      expect(r.timedOut).toBe(true);
      expect(r.exitCode).toBe(137);
      expect(r.wallSeconds).toBeGreaterThanOrEqual(3);
      expect(r.wallSeconds).toBeLessThan(5);
    });

    it('the legitimate job reads a read-only bind and writes its result to a read-write bind', async () => {
      const { r } = await attack(['copy', '/in/data', '/out/result']);
      expect(r.exitCode).toBe(0);
      expect(readFileSync(path.join(output, 'result'), 'utf8')).toBe('HELLO FROM THE HOST\n');
    });
  });
}
