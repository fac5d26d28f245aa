/**
 * runJail: one job in one jail, in a sandbox of its own (src/run/engine.ts): a fresh mount tree
 * whose root is the read-only jail, private tmpfs for every writable place, its own PID, IPC, UTS,
 * cgroup and (by default) network namespaces, a host uid no other job has, its own cgroup for
 * memory, pids and CPU, a fresh session keyring and the seccomp filter. Policy is ours; the sandbox
 * is bubblewrap's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunError } from '../errors.js';
import { createJobCgroup, type JobCgroup, sweepStaleCgroups } from './cgroup/index.js';
import { engineArgv, fstabText, rlimitsFor, SETUP_FAILED } from './engine.js';
import { refuseUnsafeJail } from './gate.js';
import { grantRwBinds, handOver, revokeRwBinds } from './handoff.js';
import { hostTools } from './host-tools.js';
import { chainStdio } from './inherited-fds.js';
import { waitForJob } from './job-pid.js';
import { checkWorkdirReachable, type RunMode, runMode } from './mode.js';
import { ensureProcDir, type PreparedRun, prepareRun } from './prepare.js';
import { seccompProgram } from './seccomp/index.js';
import type { LimitHit, RunOptions, RunResult } from './types.js';

/** The fd bubblewrap reads the seccomp program from (the first after stdio). */
const SECCOMP_FD = 3;

function signalName(n: number): string | null {
  const e = Object.entries(os.constants.signals).find(([, v]) => v === n);
  return e ? e[0] : null;
}

const WORK_DIR = /^jailsmith-run-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * Removes the work dirs (error and time files, tmpfs mount points) of runs whose process is gone:
 * a SIGKILLed caller cannot clean up after itself, and its job is already dead (parent-death signal).
 */
function sweepStaleWorkDirs(): void {
  let names: string[];
  try {
    names = readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const m = WORK_DIR.exec(name);
    if (!m || existsSync(`/proc/${m[1]}`)) continue;
    try {
      rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    } catch {} // another user's: not ours to sweep
  }
}

/** Empty mount points (a file for a file bind) for the setup step, in the run's work dir. */
function stagingDirs(work: string, prep: PreparedRun): { root: string; binds: string[]; tmpfs: string[] } {
  const point = (name: string, dir: boolean): string => {
    const p = path.join(work, name);
    if (dir) mkdirSync(p);
    else writeFileSync(p, '', { mode: 0o600 });
    return p;
  };
  return {
    root: point('root', true),
    binds: prep.binds.map((b, i) => point(`bind-${i}`, b.dir)),
    tmpfs: prep.tmpfs.map((_, i) => point(`tmpfs-${i}`, true)),
  };
}

interface Protections {
  missing: string[];
  notes: string[];
}

function note(p: Protections, name: string, why: string): void {
  p.missing.push(name);
  p.notes.push(`${name}: ${why}`);
}

/** The job's cgroup, or null with the missing protection noted (rlimits then stand in). */
function jobCgroup(opts: RunOptions, mode: RunMode, p: Protections): JobCgroup | null {
  if (mode.rootless) {
    note(p, 'cgroup', 'rootless runs get no cgroup: memory, pids and cores fall back to per-process rlimits');
    return null;
  }
  sweepStaleCgroups();
  const l = opts.limits ?? {};
  const made = createJobCgroup(
    `job-${process.pid}-${mode.hostUid}`,
    { memoryBytes: l.mem, pids: l.nproc, cores: l.cores },
    opts.cgroupParent !== undefined ? { parent: opts.cgroupParent } : {},
  );
  if (made.ok) {
    // The cgroup's notes read "name: why" (e.g. cgroup-no-swap-accounting: ...).
    for (const n of made.cgroup.notes) {
      const at = n.indexOf(':');
      if (at > 0) note(p, n.slice(0, at), n.slice(at + 1).trim());
      else note(p, 'cgroup', n);
    }
    return made.cgroup;
  }
  if (l.cores !== undefined) {
    throw new RunError('RUN_NO_CGROUP', `a CPU quota (cores) needs a cgroup: ${made.reason}`, {
      hint: 'leave out cores, or give a cgroup parent that delegates the cpu controller',
    });
  }
  note(p, 'cgroup', `${made.reason}; memory and nproc fall back to per-process rlimits`);
  return null;
}

export async function runJail(opts: RunOptions): Promise<RunResult> {
  const tools = hostTools();
  const prep = prepareRun(opts);
  const wantSeccomp = opts.seccomp !== false;
  const program = wantSeccomp ? seccompProgram() : null;
  if (!opts.allowUnsafe) await refuseUnsafeJail(prep.root.dir, opts.auditAllow);
  const mode = await runMode(opts.rootless, opts.uidRange);
  const protections: Protections = { missing: [], notes: [] };
  let cgroup: JobCgroup | null = null;
  let work: string | null = null;
  let granted: string[] = [];
  try {
    ensureProcDir(prep.root, (process.geteuid?.() ?? 0) === 0);
    checkWorkdirReachable(prep.root, prep.workdir, prep.tmpfs, mode);
    if (mode.held === null)
      note(protections, 'per-job-uid', `without root the job runs as your own uid ${mode.hostUid}`);
    sweepStaleWorkDirs();
    work = mkdtempSync(path.join(os.tmpdir(), `jailsmith-run-${process.pid}-`));
    // The job's uid reaches its tmpfs mounts through here (traverse, never list).
    chmodSync(work, 0o711);
    const stage = stagingDirs(work, prep);
    // Rootless forced by root: the setup step runs as the job's uid and writes here.
    if (mode.rootless && mode.held) {
      for (const d of [work, stage.root, ...stage.binds, ...stage.tmpfs])
        chownSync(d, mode.hostUid, mode.hostGid);
    }
    if (mode.held) {
      granted = grantRwBinds(
        prep.binds.filter((b) => !b.readOnly).map((b) => b.source),
        mode.hostUid,
      );
    }
    cgroup = jobCgroup(opts, mode, protections);
    const limits = opts.limits ?? {};
    const errorFile = path.join(work, 'error');
    const fstab = path.join(work, 'fstab');
    const tmpfsOwner = mode.rootless ? { uid: 0, gid: 0 } : { uid: mode.hostUid, gid: mode.hostGid };
    writeFileSync(fstab, fstabText({ prep, stage, tmpfsOwner }), { mode: 0o644 });
    const argv = engineArgv({
      tools,
      prep,
      net: opts.net ?? 'none',
      become: mode.held?.uid ?? null,
      rootless: mode.rootless,
      rlimits: rlimitsFor(limits, cgroup !== null),
      cgroupJoin: cgroup?.joinFiles ?? [],
      stage,
      tmpfsOwner,
      errorFile,
      fstab,
      seccompFd: program ? SECCOMP_FD : null,
    });
    const started = process.hrtime.bigint();
    const { stdio, devNull } = chainStdio(program ? ['pipe'] : []);
    const child = spawn(argv[0] as string, argv.slice(1), {
      stdio,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    if (devNull !== null) closeSync(devNull);
    if (program) {
      const fd = child.stdio[SECCOMP_FD] as NodeJS.WritableStream;
      // A chain that fails before bubblewrap reads it closes the pipe: its own error says why.
      fd.on('error', () => undefined);
      fd.end(program);
    }
    const hits = new Set<LimitHit>();
    const outcome = await supervise(child, opts, prep.command, cgroup, hits);
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;

    const setupError = existsSync(errorFile) ? readFileSync(errorFile, 'utf8').trim() : '';
    if (outcome.code === SETUP_FAILED && setupError) {
      throw new RunError('RUN_SETUP', `setting up the job failed: ${setupError}`, { path: prep.root.dir });
    }
    const stats = cgroup?.stats() ?? null;
    if (stats?.memoryLimitHit) hits.add('memory');
    if (stats?.pidsLimitHit) hits.add('pids');
    if (limits.cpu !== undefined && stats?.cpuSeconds != null && stats.cpuSeconds >= limits.cpu)
      hits.add('cpu');
    let exitCode = outcome.code;
    let signal = outcome.signal;
    // bubblewrap reports a job ended by signal N as 128 + N.
    if (signal === null && exitCode > 128 && exitCode < 128 + 65) signal = signalName(exitCode - 128);
    if (outcome.killed) {
      exitCode = 128 + 9;
      signal = 'SIGKILL';
    }
    return {
      exitCode,
      signal,
      timedOut: hits.has('timeout'),
      wallSeconds,
      maxRssBytes: stats?.peakMemoryBytes ?? null,
      peakMemoryBytes: stats?.peakMemoryBytes ?? null,
      cpuSeconds: stats?.cpuSeconds ?? null,
      limitsHit: [...hits].sort(),
      cgroup: cgroup?.version ?? null,
      seccomp: program !== null,
      rootless: mode.rootless,
      hostUid: mode.hostUid,
      missing: protections.missing,
      notes: protections.notes,
    };
  } finally {
    await cgroup?.remove();
    const owner = opts.resultOwner ?? { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };
    if (mode.held) {
      revokeRwBinds(granted, mode.hostUid);
      const rw = prep.binds.filter((b) => !b.readOnly && b.dir).map((b) => b.source);
      handOver(rw, mode.hostUid, mode.hostGid, owner);
    }
    await mode.held?.release();
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

/** CPU seconds of the whole job are watched this often when a cpu limit is set and a cgroup counts them. */
const CPU_POLL_MS = 100;

/**
 * Waits for the chain to end, killing it on --timeout or when the job's CPU seconds run out. The
 * first process of the chain has become bubblewrap: killing it ends its init (--die-with-parent) and
 * so the whole PID namespace of the job; the cgroup's removal kills anything left.
 */
function supervise(
  child: ChildProcess,
  opts: RunOptions,
  command: readonly string[],
  cgroup: JobCgroup | null,
  hits: Set<LimitHit>,
): Promise<{ code: number; signal: string | null; killed: boolean }> {
  let done = false;
  let killed = false;
  const kill = (why: LimitHit) => {
    hits.add(why);
    killed = true;
    child.kill('SIGKILL');
  };
  const timers: NodeJS.Timeout[] = [];
  if (opts.timeout !== undefined) timers.push(setTimeout(() => kill('timeout'), opts.timeout * 1000));
  const cpu = opts.limits?.cpu;
  if (cpu !== undefined && cgroup) {
    timers.push(
      setInterval(() => {
        const used = cgroup.stats().cpuSeconds;
        if (used !== null && used >= cpu) kill('cpu');
      }, CPU_POLL_MS),
    );
  }
  const probe =
    opts.onStart && child.pid !== undefined
      ? waitForJob(child.pid, command, () => !done)
          .then((pid) => (pid !== null ? opts.onStart?.(pid) : undefined))
          // A probe racing a job that just ended must not cost the caller the job's result.
          .catch(() => undefined)
      : Promise.resolve();
  return new Promise((resolve, reject) => {
    child.once('error', (e) => {
      done = true;
      for (const t of timers) clearTimeout(t);
      reject(new RunError('RUN_SPAWN', `could not start the sandbox: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      done = true;
      for (const t of timers) clearTimeout(t);
      const sigNum = signal ? os.constants.signals[signal] : undefined;
      void probe.then(() =>
        resolve({ code: code ?? (sigNum !== undefined ? 128 + sigNum : SETUP_FAILED), signal, killed }),
      );
    });
  });
}
