/**
 * Bundles made from the python jail, run by real runc (as root, on this machine's cgroups): the
 * job's identity, privileges and read-only root, the seccomp probe against `jailsmith run`'s,
 * the memory and pids limits of the whole job, and a directory fd handed between two containers
 * over a shared rw volume. Jobs are test/run/containment-job.py.
 */
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { makeOciBundle, type OciBundleOptions } from '../../src/fleet/index.js';
import { runJail } from '../../src/index.js';
import { policyFromSpec } from '../../src/policy/index.js';
import { loadSpec } from '../../src/spec/load.js';
import { REPO } from '../helpers/cli.js';
import { compileC } from '../helpers/compile.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { makePythonJail } from '../run/jails.js';

const ready = requireTool('runc') && requireTool('bwrap', 'bubblewrap') && requireTool('keyctl', 'keyutils');
const SPEC = path.join(REPO, 'jails/python.yaml');
const FIRST = 2_000_001_000;

describeAsRoot('oci-bundle: the python jail under runc', () => {
  const base = tmpDir('jailsmith-runc-');
  const jail = path.join(base, 'py');
  const input = path.join(base, 'in');
  const out = path.join(base, 'out');
  const shared = path.join(base, 'shared');
  const secret = path.join(base, 'host-secret');
  let n = 0;

  beforeAll(async () => {
    if (!ready) return;
    // The container's root (a host uid of the range) must be able to reach the jail and the binds.
    chmodSync(base, 0o755);
    await makePythonJail(jail);
    const { stdout: libcA } = await execa('gcc', ['-print-file-name=libc.a']);
    const probe = await compileC(
      readFileSync(path.join(REPO, 'test/run/seccomp-probe.c'), 'utf8'),
      path.join(base, 'seccomp-probe'),
      path.isAbsolute(libcA) ? ['-static'] : [],
    );
    copyFileSync(probe, path.join(jail, 'usr/bin/seccomp-probe'));
    chmodSync(path.join(jail, 'usr/bin/seccomp-probe'), 0o755);
    mkdirSync(input);
    copyFileSync(path.join(REPO, 'test/run/containment-job.py'), path.join(input, 'job.py'));
    for (const d of [out, shared]) {
      mkdirSync(d);
      chmodSync(d, 0o777);
    }
    writeFileSync(secret, 'HOST-SECRET\n');
  }, 120_000);

  /** A bundle of the python jail's policy (in place: no copy of the jail per test) plus `extra`. */
  async function bundle(command: string[], extra: Partial<OciBundleOptions> = {}): Promise<string> {
    const dir = path.join(base, `bundle-${++n}`);
    await makeOciBundle({
      source: jail,
      dir,
      policy: policyFromSpec(await loadSpec(SPEC), SPEC),
      command,
      inPlace: true,
      hostId: FIRST + 2 * n,
      ...extra,
      overrides: {
        ...extra.overrides,
        binds: [
          { source: input, target: '/in', readOnly: true },
          { source: out, target: '/out', readOnly: false },
          ...(extra.overrides?.binds ?? []),
        ],
      },
    });
    return dir;
  }

  function runc(dir: string): SpawnSyncReturns<string> {
    const id = `jailsmith-test-${path.basename(dir)}-${process.pid}`;
    try {
      return spawnSync('runc', ['run', '--bundle', dir, id], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } finally {
      spawnSync('runc', ['delete', '--force', id]);
    }
  }

  const lines = (r: SpawnSyncReturns<string>) => r.stdout.trim().split('\n');

  it.skipIf(!ready)(
    'the job is uid 1000 in /home/app, host uid from the range; root read-only, /tmp writable and private; no privileges',
    async () => {
      const code = [
        'import os',
        'print("id", os.getuid(), os.getgid(), os.getcwd())',
        'print("map", " ".join(open("/proc/self/uid_map").read().split()))',
        's = dict(l.split(":\\t", 1) for l in open("/proc/self/status").read().splitlines() if ":\\t" in l)',
        'print("nnp", s["NoNewPrivs"], "seccomp", s["Seccomp"])',
        'print("caps", *[s[k] for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")])',
        'for p in ("/etc/planted", "/usr/bin/planted", "/planted", "/tmp/mark", "/home/app/mark"):',
        '    try:',
        '        open(p, "w").write("x"); print("wrote", p)',
        '    except OSError as e:',
        '        print("write", p, e.errno)',
      ].join('\n');
      const r = runc(await bundle(['-c', code]));
      expect(r.status, r.stderr).toBe(0);
      const hostUid = FIRST + 2 * n + 1;
      expect(lines(r)).toEqual([
        'id 1000 1000 /home/app',
        `map 0 ${FIRST + 2 * n} 1 1000 ${hostUid} 1`,
        'nnp 1 seccomp 2',
        `caps ${Array(5).fill('0000000000000000').join(' ')}`,
        'write /etc/planted 30', // EROFS
        'write /usr/bin/planted 30',
        'write /planted 30',
        'wrote /tmp/mark',
        'wrote /home/app/mark',
      ]);
      expect(hostUid).not.toBe(1000);
      // What the job wrote in its tmpfs went nowhere: not into the jail, not into the next job.
      expect(readdirSync(path.join(jail, 'tmp'))).toEqual([]);
      expect(readdirSync(path.join(jail, 'home/app'))).toEqual([]);
      const next = runc(
        await bundle(['-c', 'import os; print(os.listdir("/tmp"), os.listdir("/home/app"))']),
      );
      expect(lines(next)).toEqual(['[] []']);
    },
    60_000,
  );

  it.skipIf(!ready)(
    'the seccomp probe finds the same refusals under runc as under jailsmith run',
    async () => {
      const probe = ['/bin/sh', '-c', '/usr/bin/seccomp-probe > /out/$0', ''];
      const report = (file: string) =>
        Object.fromEntries(
          readFileSync(path.join(out, file), 'utf8')
            .trim()
            .split('\n')
            .map((l) => l.split(' ')),
        );
      const r = runc(
        await bundle([], { policy: { user: 'app', entrypoint: [...probe.slice(0, 3), 'probe-runc'] } }),
      );
      expect(r.status, r.stderr).toBe(0);
      const j = await runJail({
        jail,
        user: 'app',
        command: [...probe.slice(0, 3), 'probe-run'],
        binds: [{ source: out, target: '/out', readOnly: false }],
      });
      expect(j.exitCode).toBe(0);
      const underRunc = report('probe-runc');
      expect(underRunc).toEqual(report('probe-run'));
      expect(underRunc).toMatchObject({
        seccomp: '2',
        add_key: 'EPERM',
        io_uring_setup: 'EPERM',
        unshare_newuser: 'EPERM',
        clone_newuser: 'EPERM',
      });
    },
  );

  it.skipIf(!ready)('1 GiB into a memfd under mem=256M ends the job', async () => {
    const r = runc(
      await bundle(['/in/job.py', 'memfd', '1024'], { overrides: { limits: { mem: 256 * 1024 ** 2 } } }),
    );
    expect(r.stdout).not.toMatch(/ESCAPED/);
    // The kernel's OOM killer: SIGKILL, which runc reports as 128+9.
    expect(r.status).toBe(137);
  });

  it.skipIf(!ready)('a fork bomb is held at its pids limit: its forks fail', async () => {
    const r = runc(await bundle(['/in/job.py', 'forks', '100'], { overrides: { limits: { nproc: 8 } } }));
    expect(r.status, r.stderr).toBe(0);
    expect(lines(r)[0]).toMatch(/^forked [0-7] EAGAIN$/);
  });

  it.skipIf(!ready)(
    'two containers sharing an rw volume: a directory fd handed over leads to no host path',
    async () => {
      const work = { overrides: { binds: [{ source: shared, target: '/work', readOnly: false }] } };
      const senderDir = await bundle(['/in/job.py', 'send_root', '/work/sock'], work);
      const receiverDir = await bundle(['/in/job.py', 'use_root', '/work/sock', secret], work);
      const id = `jailsmith-test-sender-${process.pid}`;
      const sender = spawn('runc', ['run', '--bundle', senderDir, id], { stdio: ['ignore', 'pipe', 'pipe'] });
      let sent = '';
      sender.stdout.on('data', (d) => {
        sent += d;
      });
      const senderDone = new Promise<number | null>((resolve) => sender.on('close', resolve));
      try {
        // The receiver connects with retries until the sender listens: no timing here.
        const r = runc(receiverDir);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).not.toMatch(/ESCAPED|HOST-SECRET/);
        const top = `top ${JSON.stringify(readdirSync(jail).sort()).replaceAll('"', "'").replaceAll(',', ', ')}`;
        expect(lines(r)[0]).toBe(top);
        expect(lines(r)).toContain('host-path ENOENT');
        expect(await senderDone).toBe(0);
        expect(sent).toContain('sent');
      } finally {
        spawnSync('runc', ['delete', '--force', id]);
      }
    },
    60_000,
  );
});
