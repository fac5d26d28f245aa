/** Per-job cgroups against fake cgroupfs trees (test/run/cgroup-fake.ts): layout, limits, reasons, removal. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunError } from '../../src/errors.js';
import { discover } from '../../src/run/cgroup/discover.js';
import {
  createJobCgroup,
  type JobCgroup,
  planJobCgroup,
  sweepStaleCgroups,
} from '../../src/run/cgroup/index.js';
import { ownerPid } from '../../src/run/cgroup/names.js';
import type { CgroupLimits, CgroupOptions } from '../../src/run/cgroup/types.js';
import { type Fake, fakeV1, fakeV2 } from './cgroup-fake.js';

const MB = 1024 * 1024;
const LIMITS = { memoryBytes: 64 * MB, pids: 16, cores: 0.5 };
const PID = 4242;

const optsOf = (f: Fake, extra: CgroupOptions = {}): CgroupOptions => ({
  mountRoot: f.root,
  mountinfo: f.mountinfo,
  procSelfCgroup: f.procSelfCgroup,
  fs: f.fs,
  pid: PID,
  ...extra,
});

function created(f: Fake, name: string, limits: CgroupLimits = LIMITS, extra: CgroupOptions = {}): JobCgroup {
  const setup = createJobCgroup(name, limits, optsOf(f, extra));
  if (!setup.ok) throw new Error(setup.reason);
  return setup.cgroup;
}

/** The job's first process joining: what the engine's root shell step does. */
function join(f: Fake, cg: JobCgroup, pid: number): void {
  for (const file of cg.joinFiles) f.fs.write(file, String(pid));
}

describe('a job cgroup planned before it is made', () => {
  it.each([
    ['v1', () => fakeV1({ hierarchies: { memory: ['memory'], pids: ['pids'], cpu: ['cpu', 'cpuacct'] } })],
    ['v2', () => fakeV2({ tree: { '/svc': ['memory', 'pids', 'cpu'] }, caller: '/svc' })],
  ])(
    '%s: the join files known beforehand are the made cgroup’s, which exists only after create()',
    (_, fake) => {
      const f = fake();
      const plan = planJobCgroup('planned', LIMITS, optsOf(f));
      if (!plan.ok) throw new Error(plan.reason);
      expect(plan.joinFiles.length).toBeGreaterThan(0);
      for (const file of plan.joinFiles) expect(f.fs.exists(path.dirname(file))).toBe(false);
      const made = plan.create();
      if (!made.ok) throw new Error(made.reason);
      expect(made.cgroup.joinFiles).toEqual(plan.joinFiles);
      for (const file of plan.joinFiles) expect(f.fs.exists(path.dirname(file))).toBe(true);
    },
  );
});

describe('job cgroup names', () => {
  it('embed the caller pid, a counter, a clock part and the sanitised job name', () => {
    const a = path.basename(created(fakeV2({ caller: '/' }), 'My Job/..', {}).paths[0]!);
    const b = path.basename(created(fakeV2({ caller: '/' }), '', {}).paths[0]!);
    expect(a).toMatch(/^job-4242-\d+-[0-9a-z]+-my_job_..$/);
    expect(b).toMatch(/^job-4242-\d+-[0-9a-z]+$/);
    expect(ownerPid(a)).toBe(PID);
    expect(ownerPid('jailsmith')).toBeNull();
    expect(ownerPid('job-12-x')).toBeNull();
    // Names of earlier versions (a random hex part) are still swept.
    expect(ownerPid('job-77-3-0a1b2c3d-x')).toBe(77);
  });

  it('a limit that is not a positive number is refused, not rounded away', () => {
    const f = fakeV2();
    expect(() => createJobCgroup('x', { pids: 0 }, optsOf(f))).toThrow(RunError);
    expect(() => createJobCgroup('x', { memoryBytes: 1.5 }, optsOf(f))).toThrow(
      /memoryBytes must be a positive integer/,
    );
    expect(() => createJobCgroup('x', { cores: Number.NaN }, optsOf(f))).toThrow(/cores/);
  });
});

describe('cgroup v2 (fake tree)', () => {
  const delegating = (extra: Partial<Parameters<typeof fakeV2>[0]> = {}) =>
    fakeV2({ tree: { '/svc': ['memory', 'pids', 'cpu'] }, caller: '/svc', ...extra });

  it('creates <caller>/jailsmith/<job>, enables the controllers in jailsmith only, writes the limits', () => {
    const f = delegating();
    const cg = created(f, 'build');
    const job = cg.paths[0]!;
    expect(cg.version).toBe(2);
    expect(path.dirname(job)).toBe(`${f.root}/svc/jailsmith`);
    expect(cg.joinFiles).toEqual([`${job}/cgroup.procs`]);
    expect(f.read('svc/jailsmith/cgroup.subtree_control').trim().split(' ').sort()).toEqual([
      'cpu',
      'memory',
      'pids',
    ]);
    // The caller's own cgroup is not written to.
    expect(f.read('svc/cgroup.subtree_control').trim()).toBe('memory pids cpu');
    const rel = path.relative(f.root, job);
    expect(f.read(`${rel}/memory.max`)).toBe(String(64 * MB));
    expect(f.read(`${rel}/memory.swap.max`)).toBe('0');
    expect(f.read(`${rel}/memory.oom.group`)).toBe('1');
    expect(f.read(`${rel}/pids.max`)).toBe('16');
    expect(f.read(`${rel}/cpu.max`)).toBe('50000 100000');
    expect(cg.notes).toEqual([]);
  });

  it('a caller cgroup that delegates nothing: ok false naming it and the fix, nothing created', () => {
    const f = fakeV2({ tree: { '/user.slice': [] }, caller: '/user.slice' });
    const setup = createJobCgroup('x', LIMITS, optsOf(f));
    expect(setup.ok).toBe(false);
    if (setup.ok) return;
    expect(setup.reason).toContain(`cgroup ${f.root}/user.slice does not delegate memory, pids, cpu`);
    expect(setup.reason).toContain('Delegate=yes');
    expect(setup.reason).toContain('configure a parent cgroup');
    expect(setup.reason).not.toContain('\n');
    expect(existsSync(`${f.root}/user.slice/jailsmith`)).toBe(false);
  });

  it('only the controller a limit needs is asked for: cores without cpu delegated fails, names cpu', async () => {
    const f = fakeV2({ tree: { '/svc': ['memory', 'pids'] }, caller: '/svc' });
    const setup = createJobCgroup('x', LIMITS, optsOf(f));
    expect(setup.ok ? '' : setup.reason).toMatch(/does not delegate cpu to its children .* cores limit/);
    const noCores = createJobCgroup('x', { memoryBytes: MB, pids: 4 }, optsOf(f));
    expect(noCores.ok).toBe(true);
    if (noCores.ok) await noCores.cgroup.remove();
  });

  it('no limits and nothing delegated still gives a job cgroup (kill and cpu.stat work everywhere)', async () => {
    const f = fakeV2({ controllers: [], caller: '/' });
    const cg = created(f, 'plain', {});
    expect(f.read('jailsmith/cgroup.subtree_control').trim()).toBe('');
    join(f, cg, 100);
    await cg.remove();
    expect(f.fs.killFileWrites).toEqual(cg.paths);
    expect(existsSync(`${f.root}/jailsmith`)).toBe(false);
  });

  it('a configured parent replaces the caller’s cgroup', () => {
    const f = fakeV2({
      tree: { '/delegated': ['memory', 'pids', 'cpu'], '/user.slice': [] },
      caller: '/user.slice',
    });
    const cg = created(f, 'x', LIMITS, { parent: '/delegated' });
    expect(cg.paths[0]!.startsWith(`${f.root}/delegated/jailsmith/job-`)).toBe(true);
    const bad = createJobCgroup('x', LIMITS, optsOf(f, { parent: '/delegated/../etc' }));
    expect(bad.ok ? '' : bad.reason).toContain('must be an absolute path without ..');
  });

  it('stats: memory.peak, memory.events oom_kill, pids.events max, cpu.stat usage_usec', async () => {
    const f = delegating();
    const cg = created(f, 'x');
    expect(cg.stats()).toEqual({
      peakMemoryBytes: 0,
      memoryLimitHit: false,
      pidsLimitHit: false,
      cpuSeconds: 0,
    });
    const rel = path.relative(f.root, cg.paths[0]!);
    f.write(`${rel}/memory.peak`, `${60 * MB}\n`);
    f.write(`${rel}/memory.events`, 'low 0\nhigh 0\nmax 40\noom 1\noom_kill 1\n');
    f.write(`${rel}/pids.events`, 'max 3\n');
    f.write(`${rel}/cpu.stat`, 'usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n');
    const want = { peakMemoryBytes: 60 * MB, memoryLimitHit: true, pidsLimitHit: true, cpuSeconds: 1.5 };
    expect(cg.stats()).toEqual(want);
    await cg.remove();
    // Read before the rmdir, kept after it.
    expect(cg.stats()).toEqual(want);
  });

  it('remove(): cgroup.kill, rmdir the job, rmdir jailsmith; again is a no-op', async () => {
    const f = delegating();
    const cg = created(f, 'x');
    join(f, cg, 100);
    f.fs.write(cg.joinFiles[0]!, '101');
    await cg.remove();
    expect(f.fs.killFileWrites).toEqual(cg.paths);
    expect(f.fs.killed.sort()).toEqual([100, 101]);
    expect(existsSync(cg.paths[0]!)).toBe(false);
    expect(existsSync(`${f.root}/svc/jailsmith`)).toBe(false);
    expect(existsSync(`${f.root}/svc`)).toBe(true);
    await cg.remove();
  });

  it('without cgroup.kill (kernel < 5.14): SIGKILL each pid of cgroup.procs', async () => {
    const f = delegating({ kill: false });
    const cg = created(f, 'x');
    join(f, cg, 200);
    await cg.remove();
    expect(f.fs.killFileWrites).toEqual([]);
    expect(f.fs.killed).toEqual([200]);
    expect(existsSync(cg.paths[0]!)).toBe(false);
  });

  it('another job in jailsmith keeps it (EBUSY/ENOTEMPTY is fine)', async () => {
    const f = delegating();
    const a = created(f, 'a');
    const b = created(f, 'b');
    await a.remove();
    expect(existsSync(`${f.root}/svc/jailsmith`)).toBe(true);
    await b.remove();
    expect(existsSync(`${f.root}/svc/jailsmith`)).toBe(false);
  });

  it('jailsmith rmdir’ed by another process between the two mkdir calls: retried', () => {
    const f = delegating();
    const shared = `${f.root}/svc/jailsmith`;
    let raced = false;
    const mkdir = f.fs.mkdir;
    f.fs.mkdir = (p) => {
      if (!raced && path.dirname(p) === shared) {
        raced = true;
        f.fs.rmdir(shared);
      }
      mkdir(p);
    };
    const cg = created(f, 'x');
    expect(raced).toBe(true);
    expect(existsSync(cg.paths[0]!)).toBe(true);
    expect(f.read('svc/jailsmith/cgroup.subtree_control').trim()).not.toBe('');
  });

  it('no swap accounting: a machine-readable note, the limit still set', () => {
    const f = delegating({ swap: false });
    const cg = created(f, 'x');
    expect(cg.notes).toEqual([
      expect.stringMatching(/^cgroup-no-swap-accounting: memory.swap.max is missing/),
    ]);
  });

  it('a failure while writing limits removes what it created and says where', () => {
    const f = delegating();
    const write = f.fs.write;
    f.fs.write = (p, text) => {
      if (p.endsWith('/pids.max')) throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
      write(p, text);
    };
    const setup = createJobCgroup('x', LIMITS, optsOf(f));
    expect(setup.ok ? '' : setup.reason).toMatch(
      /^cannot set up the job cgroup in .*\/svc\/jailsmith\/job-4242-.*: EINVAL$/,
    );
    expect(existsSync(`${f.root}/svc/jailsmith`)).toBe(false);
  });

  it('sweepStaleCgroups: removes (killing inside) the jobs of dead owners only', () => {
    const f = delegating();
    const dead = created(f, 'x', LIMITS, { pid: 7001 });
    const alive = created(f, 'y', LIMITS, { pid: 7002 });
    f.fs.live.add(7002);
    join(f, dead, 300);
    const result = sweepStaleCgroups(optsOf(f));
    expect(result).toEqual({ removed: dead.paths, failed: [] });
    expect(f.fs.killed).toEqual([300]);
    expect(existsSync(alive.paths[0]!)).toBe(true);
  });
});

describe('cgroup v1 (fake tree)', () => {
  const layout = (extra: Partial<Parameters<typeof fakeV1>[0]> = {}) =>
    fakeV1({
      hierarchies: {
        memory: ['memory'],
        pids: ['pids'],
        cpu: ['cpu'],
        cpuacct: ['cpuacct'],
        cpuset: ['cpuset'],
      },
      caller: { memory: '/process_api/abc' },
      tree: { memory: ['/process_api', '/process_api/abc'] },
      unified: true,
      ...extra,
    });

  it('one job dir per joined hierarchy beneath the caller’s cgroup in each; limits where they belong', () => {
    const f = layout();
    const cg = created(f, 'x');
    expect(cg.version).toBe(1);
    const name = path.basename(cg.paths[0]!);
    expect([...cg.paths].sort()).toEqual([
      `${f.root}/cpu/jailsmith/${name}`,
      `${f.root}/cpuacct/jailsmith/${name}`,
      `${f.root}/memory/process_api/abc/jailsmith/${name}`,
      `${f.root}/pids/jailsmith/${name}`,
    ]);
    expect(cg.joinFiles).toEqual(cg.paths.map((p) => `${p}/tasks`));
    expect(existsSync(`${f.root}/cpuset/jailsmith`)).toBe(false);
    const mem = `memory/process_api/abc/jailsmith/${name}`;
    expect(f.read(`${mem}/memory.limit_in_bytes`)).toBe(String(64 * MB));
    expect(f.read(`${mem}/memory.memsw.limit_in_bytes`)).toBe(String(64 * MB));
    expect(f.read(`pids/jailsmith/${name}/pids.max`)).toBe('16');
    expect(f.read(`cpu/jailsmith/${name}/cpu.cfs_period_us`)).toBe('100000');
    expect(f.read(`cpu/jailsmith/${name}/cpu.cfs_quota_us`)).toBe('50000');
  });

  it('cpu and cpuacct co-mounted: one hierarchy, one join file', () => {
    const f = fakeV1({
      hierarchies: { memory: ['memory'], pids: ['pids'], 'cpu,cpuacct': ['cpu', 'cpuacct'] },
    });
    const cg = created(f, 'x');
    expect(cg.joinFiles.length).toBe(3);
    const name = path.basename(cg.paths[0]!);
    expect(f.read(`cpu,cpuacct/jailsmith/${name}/cpu.cfs_quota_us`)).toBe('50000');
  });

  it('a limit whose hierarchy is not mounted: ok false with the reason, nothing created', () => {
    const f = fakeV1({ hierarchies: { memory: ['memory'], cpu: ['cpu'] } });
    const setup = createJobCgroup('x', LIMITS, optsOf(f));
    expect(setup.ok).toBe(false);
    if (!setup.ok)
      expect(setup.reason).toBe(
        `a pids limit was asked but no cgroup v1 pids hierarchy is mounted under ${f.root}`,
      );
    expect(existsSync(`${f.root}/memory/jailsmith`)).toBe(false);
    expect(createJobCgroup('x', { memoryBytes: MB, cores: 1 }, optsOf(f)).ok).toBe(true);
  });

  it('no memsw files: the note says swap can extend the limit', () => {
    const cg = created(layout({ memsw: false }), 'x');
    expect(cg.notes).toEqual([
      expect.stringMatching(/^cgroup-no-swap-accounting: memory.memsw.limit_in_bytes/),
    ]);
  });

  it('stats: max_usage_in_bytes, oom_control oom_kill, pids.events max, cpuacct.usage', async () => {
    const f = layout();
    const cg = created(f, 'x');
    const name = path.basename(cg.paths[0]!);
    f.write(`memory/process_api/abc/jailsmith/${name}/memory.max_usage_in_bytes`, `${63 * MB}\n`);
    f.write(
      `memory/process_api/abc/jailsmith/${name}/memory.oom_control`,
      'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
    );
    f.write(`pids/jailsmith/${name}/pids.events`, 'max 25\n');
    f.write(`cpuacct/jailsmith/${name}/cpuacct.usage`, '2500000000\n');
    const want = { peakMemoryBytes: 63 * MB, memoryLimitHit: true, pidsLimitHit: true, cpuSeconds: 2.5 };
    expect(cg.stats()).toEqual(want);
    await cg.remove();
    expect(cg.stats()).toEqual(want);
  });

  it('no cpuacct hierarchy: cpuSeconds is null (unknown), not 0', () => {
    const f = fakeV1({ hierarchies: { memory: ['memory'], pids: ['pids'], cpu: ['cpu'] } });
    expect(created(f, 'x').stats().cpuSeconds).toBeNull();
  });

  it('remove(): SIGKILL the pids of cgroup.procs, rmdir every job dir and the empty parents', async () => {
    const f = layout();
    const cg = created(f, 'x');
    join(f, cg, 500);
    for (const file of cg.joinFiles) f.fs.write(file, '501');
    await cg.remove();
    expect(f.fs.killed.sort()).toEqual([500, 501]);
    for (const p of cg.paths) {
      expect(existsSync(p)).toBe(false);
      expect(existsSync(path.dirname(p))).toBe(false);
    }
    expect(existsSync(`${f.root}/memory/process_api/abc`)).toBe(true);
  });

  it('sweep covers every hierarchy and keeps a live owner’s jobs and their parent', () => {
    const f = layout();
    const dead = created(f, 'x', LIMITS, { pid: 9001 });
    const live = created(f, 'y', LIMITS, { pid: 9002 });
    f.fs.live.add(9002);
    const result = sweepStaleCgroups(optsOf(f));
    expect(result.removed.sort()).toEqual([...dead.paths].sort());
    for (const p of live.paths) expect(existsSync(p)).toBe(true);
  });
});

describe('discovery', () => {
  it('v2 when the mount root itself is cgroup2', () => {
    const d = discover(
      '/sys/fs/cgroup',
      '1 0 0:1 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n',
      '0::/a/b\n',
      undefined,
    );
    expect(d).toEqual({
      ok: true,
      version: 2,
      hierarchies: [{ version: 2, controllers: [], parentDir: '/sys/fs/cgroup/a/b' }],
    });
  });

  it('a mount showing a sub-tree (container): paths are taken relative to its root', () => {
    const mi = '1 0 0:1 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n';
    const d = discover('/sys/fs/cgroup', mi, '0::/docker/abc/app\n', undefined);
    expect(d.ok && d.hierarchies[0]!.parentDir).toBe('/sys/fs/cgroup/app');
    const outside = discover('/sys/fs/cgroup', mi, '0::/other\n', undefined);
    expect(outside.ok ? '' : outside.reason).toBe(
      'cgroup /other is not visible through the mount at /sys/fs/cgroup',
    );
  });

  it('hybrid: the v1 controllers win over a controller-less unified cgroup2', () => {
    const f = layout();
    const d = discover(f.root, f.mountinfo, f.procSelfCgroup, undefined);
    expect(d.ok && d.version).toBe(1);
  });

  it('nothing mounted: one line saying so', () => {
    const d = discover(
      '/sys/fs/cgroup',
      '1 0 0:1 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n',
      '0::/\n',
      undefined,
    );
    expect(d.ok ? '' : d.reason).toBe(
      'no cgroup hierarchy with memory, pids or cpu is mounted under /sys/fs/cgroup',
    );
  });

  function layout() {
    return fakeV1({ hierarchies: { memory: ['memory'] }, unified: true });
  }
});
