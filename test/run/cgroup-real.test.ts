/**
 * Per-job cgroups on the real kernel: limits hold (forks, tmpfs and memfd pages, CPU quota), the
 * stats say so, and remove() leaves nothing behind. v1 here and in CI; v2 on the hybrid
 * /sys/fs/cgroup/unified (no controllers there: no limits, but join, kill and remove).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CgroupLimits,
  createJobCgroup,
  type JobCgroup,
  sweepStaleCgroups,
} from '../../src/run/cgroup/index.js';
import { REPO } from '../helpers/cli.js';
import { isRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireThat, requireTool, toolPath } from '../helpers/tools.js';

const ROOT = '/sys/fs/cgroup';
const MB = 1024 * 1024;
const LIMITS = { memoryBytes: 64 * MB, pids: 16, cores: 0.5 };
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallSeconds: number;
}

/**
 * Starts `cmd` the way the engine will: a shell that moves itself into every join file (writing
 * 0), then execs the job, so the job is in the cgroup from its first instruction.
 */
function startJob(cg: JobCgroup, cmd: string, onStdout?: (text: string) => void): Promise<Ended> {
  const join = cg.joinFiles.map((f) => `echo 0 > ${q(f)}`).join('; ');
  const t0 = process.hrtime.bigint();
  const child = spawn('/bin/sh', ['-c', `${join}; exec ${cmd}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    onStdout?.(stdout);
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, wallSeconds: Number(process.hrtime.bigint() - t0) / 1e9 }),
    );
  });
}

const made: JobCgroup[] = [];
afterAll(async () => {
  for (const cg of made) await cg.remove();
});

function create(jobName: string, limits: CgroupLimits, mountRoot = ROOT): JobCgroup {
  const setup = createJobCgroup(jobName, limits, { mountRoot });
  if (!setup.ok) throw new Error(setup.reason);
  made.push(setup.cgroup);
  return setup.cgroup;
}

function procsIn(cg: JobCgroup): number[] {
  const text = readFileSync(`${cg.paths[0]}/cgroup.procs`, 'utf8').trim();
  return text === '' ? [] : text.split('\n').map(Number);
}

/** After remove(): the job dirs are gone, and a remaining `jailsmith` parent holds none of ours. */
function expectGone(cg: JobCgroup): void {
  for (const p of cg.paths) {
    expect(existsSync(p), p).toBe(false);
    const shared = path.dirname(p);
    if (existsSync(shared)) {
      const ours = readFileSync(`${shared}/cgroup.procs`, 'utf8');
      expect(ours.trim()).toBe('');
    }
  }
}

/** Killed: gone, or a zombie its new parent (init) has not reaped yet. */
function killed(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

const v1Ready =
  isRoot && ['memory', 'pids', 'cpu', 'cpuacct'].every((c) => existsSync(`${ROOT}/${c}/cgroup.procs`));
const python = toolPath('python3');

describe.skipIf(
  !requireThat(
    v1Ready,
    'root and the cgroup v1 memory, pids, cpu and cpuacct hierarchies under /sys/fs/cgroup',
  ) ||
    !requireTool('python3') ||
    !requireTool('unshare', 'util-linux'),
)('cgroup v1 job (memory 64M, pids 16, cores 0.5)', () => {
  it('holds a fork loop at 16 processes, says pidsLimitHit, and remove() kills what is left', async () => {
    const cg = create('forks', LIMITS);
    expect(cg.version).toBe(1);
    expect(cg.joinFiles.length).toBeGreaterThanOrEqual(3);
    const prog = [
      'import os, time',
      'ok = fail = 0',
      'for i in range(40):',
      '    try:',
      '        pid = os.fork()',
      '    except BlockingIOError:',
      '        fail += 1',
      '        continue',
      '    if pid == 0:',
      '        os.close(1)',
      '        os.close(2)',
      '        time.sleep(120)',
      '        os._exit(0)',
      '    ok += 1',
      'print(ok, fail)',
    ].join('\n');
    const ended = await startJob(cg, `${python} -c ${q(prog)}`);
    const [ok, fail] = ended.stdout.trim().split(' ').map(Number);
    // python itself is the 16th.
    expect(ok).toBe(15);
    expect(fail).toBe(25);
    expect(cg.stats().pidsLimitHit).toBe(true);
    // The forked sleepers outlived the job; they are in the cgroup until remove().
    const left = procsIn(cg);
    expect(left.length).toBe(15);
    await cg.remove();
    expectGone(cg);
    for (const pid of left) expect(killed(pid), `pid ${pid}`).toBe(true);
  });

  it('256M written to a tmpfs in a private mount namespace ends the job: memoryLimitHit', async () => {
    const cg = create('tmpfs', LIMITS);
    const dir = tmpDir('jailsmith-cgroup-tmpfs-');
    const inner = `mount -t tmpfs -o size=512m jailsmith-test ${q(dir)} && exec dd if=/dev/zero of=${q(dir)}/fill bs=1M count=256`;
    const ended = await startJob(cg, `unshare --mount --propagation private /bin/sh -c ${q(inner)}`);
    expect(ended.signal).toBe('SIGKILL');
    const stats = cg.stats();
    expect(stats.memoryLimitHit).toBe(true);
    expect(stats.pidsLimitHit).toBe(false);
    // Near the limit, never past it.
    expect(stats.peakMemoryBytes).toBeGreaterThan(32 * MB);
    expect(stats.peakMemoryBytes).toBeLessThanOrEqual(64 * MB);
    await cg.remove();
    expectGone(cg);
  });

  it('256M written to a memfd ends the job: memoryLimitHit', async () => {
    const cg = create('memfd', LIMITS);
    const prog = [
      'import os',
      "fd = os.memfd_create('fill')",
      "block = b'x' * (1 << 20)",
      'for i in range(256):',
      '    os.write(fd, block)',
      "print('wrote all')",
    ].join('\n');
    const ended = await startJob(cg, `${python} -c ${q(prog)}`);
    expect(ended.stdout).not.toContain('wrote all');
    expect(ended.signal).toBe('SIGKILL');
    expect(cg.stats().memoryLimitHit).toBe(true);
    await cg.remove();
    expectGone(cg);
  });

  it('two spinning processes get at most 0.5 CPU-s per wall-s (the quota; 0.6 with slack)', async () => {
    const cg = create('spin', LIMITS);
    const spin = 'while :; do :; done';
    const ended = await startJob(
      cg,
      `/bin/sh -c ${q(`${spin} & a=$!; ${spin} & b=$!; sleep 3; kill $a $b; wait`)}`,
    );
    expect(ended.code).toBe(0);
    const cpu = cg.stats().cpuSeconds;
    expect(cpu).not.toBeNull();
    expect(cpu!).toBeGreaterThan(0);
    console.log(`cgroup cores 0.5: ${cpu!.toFixed(2)} CPU-s in ${ended.wallSeconds.toFixed(2)} wall-s`);
    expect(cpu! / ended.wallSeconds).toBeLessThanOrEqual(0.6);
    await cg.remove();
    expectGone(cg);
    expect(cg.stats().cpuSeconds).toBe(cpu);
  });

  it('jailsmith processes creating and removing jobs at once under one `jailsmith` parent all succeed', async () => {
    // Separate processes (one shared parent, racing mkdir/rmdir of it): through the built dist/.
    const lib = path.join(REPO, 'dist/run/cgroup/index.js');
    expect(existsSync(lib), `${lib} is missing: run \`npx tsc -p .\` first`).toBe(true);
    const script = [
      `import { createJobCgroup } from ${JSON.stringify(lib)};`,
      'for (let i = 0; i < 30; i++) {',
      "  const s = createJobCgroup('race', { pids: 8, memoryBytes: 32 << 20 });",
      '  if (!s.ok) { console.error(s.reason); process.exit(1); }',
      '  await s.cgroup.remove();',
      '}',
    ].join('\n');
    const runs = Array.from({ length: 4 }, () => {
      const c = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      c.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      return new Promise<{ pid: number; code: number | null; err: string }>((resolve) =>
        c.on('close', (code) => resolve({ pid: c.pid!, code, err })),
      );
    });
    const ended = await Promise.all(runs);
    for (const e of ended) expect(e, e.err).toMatchObject({ code: 0 });
    for (const h of ['pids', 'cpu', 'cpuacct']) {
      const shared = `${ROOT}/${h}/jailsmith`;
      const left = existsSync(shared) ? readdirSync(shared) : [];
      for (const e of ended) expect(left.filter((n) => n.startsWith(`job-${e.pid}-`))).toEqual([]);
    }
  });

  it('sweepStaleCgroups removes, with its processes, the job cgroup of a dead owner', async () => {
    const dead = await new Promise<number>((resolve) => {
      const c = spawn('/bin/true');
      c.on('close', () => resolve(c.pid!));
    });
    const setup = createJobCgroup('orphan', { pids: 4 }, { pid: dead });
    if (!setup.ok) throw new Error(setup.reason);
    const cg = setup.cgroup;
    made.push(cg);
    let ready: () => void = () => {};
    const isReady = new Promise<void>((r) => {
      ready = r;
    });
    const running = startJob(cg, `/bin/sh -c ${q('sleep 120 & echo ready; wait')}`, (out) => {
      if (out.includes('ready')) ready();
    });
    await isReady;
    const result = sweepStaleCgroups();
    expect(result.removed).toEqual(expect.arrayContaining(cg.paths));
    const ended = await running;
    expect(ended.signal).toBe('SIGKILL');
    expectGone(cg);
  });
});

const unified = `${ROOT}/unified`;
const v2Ready =
  isRoot &&
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === unified && l.includes(' - cgroup2 '));

describe.skipIf(!requireThat(v2Ready, 'root and a cgroup2 hierarchy at /sys/fs/cgroup/unified (hybrid)'))(
  'cgroup v2 job on the hybrid /sys/fs/cgroup/unified',
  () => {
    it('a limit whose controller the caller’s cgroup does not delegate: ok false, and why', () => {
      const delegated = readFileSync(`${unified}/cgroup.subtree_control`, 'utf8').trim().split(/\s+/);
      const setup = createJobCgroup('limited', { memoryBytes: 64 * MB }, { mountRoot: unified });
      if (delegated.includes('memory')) {
        expect(setup.ok).toBe(true);
        if (setup.ok) made.push(setup.cgroup);
        return;
      }
      expect(setup.ok).toBe(false);
      if (setup.ok) return;
      expect(setup.reason).toContain(`cgroup ${unified}`);
      expect(setup.reason).toContain('does not delegate memory');
      expect(setup.reason).toContain('Delegate=yes');
      expect(setup.reason).not.toContain('\n');
    });

    it('without limits: the job joins, remove() kills it and all its children (cgroup.kill)', async () => {
      const cg = create('nolimits', {}, unified);
      expect(cg.version).toBe(2);
      expect(cg.joinFiles).toEqual([`${cg.paths[0]}/cgroup.procs`]);
      let ready: () => void = () => {};
      const isReady = new Promise<void>((r) => {
        ready = r;
      });
      const running = startJob(cg, `/bin/sh -c ${q('sleep 120 & sleep 120 & echo ready; wait')}`, (out) => {
        if (out.includes('ready')) ready();
      });
      await isReady;
      const inside = procsIn(cg);
      expect(inside.length).toBe(3);
      await cg.remove();
      const ended = await running;
      expect(ended.signal).toBe('SIGKILL');
      expectGone(cg);
      for (const pid of inside) expect(killed(pid), `pid ${pid}`).toBe(true);
      // cpu.stat is in every v2 cgroup: the job's CPU time survives the rmdir.
      expect(cg.stats().cpuSeconds).not.toBeNull();
    });
  },
);
