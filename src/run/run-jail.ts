/**
 * runJail: one job in one jail, in a sandbox of its own (src/run/engine.ts): a fresh mount tree
 * whose root is the read-only jail, private tmpfs for every writable place, its own PID, IPC, UTS,
 * cgroup and (by default) network namespaces, a host uid no other job has, its own cgroup for
 * memory, pids and CPU, a fresh session keyring and the seccomp filter. Policy is ours; the sandbox
 * is bubblewrap's.
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunError } from '../errors.js';
import { type CgroupPlan, type JobCgroup, planJobCgroup, sweepStaleCgroups } from './cgroup/index.js';
import { type Chain, startChain, supervise } from './chain.js';
import {
  checkRlimitFloors,
  type EngineInput,
  engineArgv,
  fstabText,
  rlimitsFor,
  SANDBOX_PROCESSES,
  SECCOMP_FD,
  SETUP_FAILED,
} from './engine.js';
import { refuseUnsafeJail } from './gate.js';
import { grantRwBinds, handOver, handOverSubordinate, revokeRwBinds } from './handoff.js';
import { hostTools } from './host-tools.js';
import { checkWorkdirReachable, type RunMode, runMode } from './mode.js';
import { ensureProcDir, type PreparedRun, prepareRun } from './prepare.js';
import { seccompProgram } from './seccomp/index.js';
import { stagingBase, workDirParent } from './stage.js';
import { INNER_JOB_ID } from './subids.js';
import type { LimitHit, RunOptions, RunResult } from './types.js';

const WORK_DIR = /^jailsmith-run-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * Removes the work dirs (error and time files, tmpfs mount points) of runs whose process is gone:
 * a SIGKILLed caller cannot clean up after itself, and its job is already dead (parent-death signal).
 */
function sweepStaleWorkDirs(): void {
  // os.tmpdir() too: where work dirs were made before workDirParent, or while TMPDIR was set.
  for (const parent of new Set([workDirParent(), os.tmpdir()])) {
    let names: string[];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = WORK_DIR.exec(name);
      if (!m || existsSync(`/proc/${m[1]}`)) continue;
      try {
        rmSync(path.join(parent, name), { recursive: true, force: true });
      } catch {} // another user's: not ours to sweep
    }
  }
}

/**
 * Leftovers exist only where a caller was killed by SIGKILL: a process sweeps at its first job and
 * then at most every SWEEP_MS, not at every job (a sweep reads the temp directory and the cgroup
 * parents: ~0.8 ms of CPU a job shares two cores with).
 */
const SWEEP_MS = 10_000;
let lastSweep = Number.NEGATIVE_INFINITY;

function sweepStale(rootless: boolean): void {
  const now = performance.now();
  if (now - lastSweep < SWEEP_MS) return;
  lastSweep = now;
  sweepStaleWorkDirs();
  if (!rootless) sweepStaleCgroups();
}

/**
 * The work dir holds only what this run put there (empty mount points, the fstab, the error file):
 * removed entry by entry, which costs a fraction of a recursive rm; anything unexpected falls back to it.
 */
function removeWorkDir(work: string): void {
  try {
    for (const e of readdirSync(work, { withFileTypes: true })) {
      const p = path.join(work, e.name);
      if (e.isDirectory()) rmdirSync(p);
      else unlinkSync(p);
    }
    rmdirSync(work);
  } catch {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Where the setup step stages the mounts: directory points under the staging base (made by mount in
 * the job's namespace); a file bind's point is an empty file in the run's work dir.
 */
function stagingPoints(work: string, prep: PreparedRun): EngineInput['stage'] {
  const base = stagingBase();
  return {
    base,
    root: path.join(base, 'root'),
    binds: prep.binds.map((b, i) => {
      if (b.dir) return path.join(base, `bind-${i}`);
      const p = path.join(work, `bind-${i}`);
      writeFileSync(p, '', { mode: 0o600 });
      return p;
    }),
    tmpfs: prep.tmpfs.map((_, i) => path.join(base, `tmpfs-${i}`)),
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

type PlannedCgroup = Extract<CgroupPlan, { ok: true }>;

/**
 * Where the job's cgroup will be (made once its chain has started: see runJail), or null with the
 * missing protection noted (rlimits then stand in).
 */
function planCgroup(opts: RunOptions, mode: RunMode, p: Protections): PlannedCgroup | null {
  if (mode.rootless) {
    note(p, 'cgroup', 'rootless runs get no cgroup: memory, pids and cores fall back to per-process rlimits');
    return null;
  }
  const l = opts.limits ?? {};
  const plan = planJobCgroup(
    `job-${process.pid}-${mode.hostUid}`,
    {
      memoryBytes: l.mem,
      pids: l.nproc === undefined ? undefined : l.nproc + SANDBOX_PROCESSES.inCgroup,
      cores: l.cores,
    },
    opts.cgroupParent !== undefined ? { parent: opts.cgroupParent } : {},
  );
  return plan.ok ? plan : noCgroup(opts, p, plan.reason);
}

/** No cgroup can be used: an error for a CPU quota (nothing else can enforce it), else a note. */
function noCgroup(opts: RunOptions, p: Protections, reason: string): null {
  if (opts.limits?.cores !== undefined) {
    throw new RunError('RUN_NO_CGROUP', `a CPU quota (cores) needs a cgroup: ${reason}`, {
      hint: 'leave out cores, or give a cgroup parent that delegates the cpu controller',
    });
  }
  note(p, 'cgroup', `${reason}; memory and nproc fall back to per-process rlimits`);
  return null;
}

/** The cgroup made, its notes ("name: why", e.g. cgroup-no-swap-accounting: ...) noted. */
function madeCgroup(cgroup: JobCgroup, p: Protections): JobCgroup {
  for (const n of cgroup.notes) {
    const at = n.indexOf(':');
    if (at > 0) note(p, n.slice(0, at), n.slice(at + 1).trim());
    else note(p, 'cgroup', n);
  }
  return cgroup;
}

export async function runJail(opts: RunOptions): Promise<RunResult> {
  const tools = hostTools();
  const prep = prepareRun(opts);
  const withSeccomp = opts.seccomp !== false;
  const mode = await runMode(opts.rootless, opts.uidRange);
  const protections: Protections = { missing: [], notes: [] };
  const limits = opts.limits ?? {};
  let cgroup: JobCgroup | null = null;
  let work: string | null = null;
  let granted: string[] = [];
  let chain: Chain | null = null;
  let went = false;
  try {
    ensureProcDir(prep.root, (process.geteuid?.() ?? 0) === 0);
    checkWorkdirReachable(prep.root, prep.workdir, prep.tmpfs, mode);
    if (mode.held === null) {
      const why = mode.noPerJobUid ? ` (${mode.noPerJobUid})` : '';
      note(protections, 'per-job-uid', `without root the job runs as your own uid ${mode.hostUid}${why}`);
    }
    work = mkdtempSync(path.join(workDirParent(), `jailsmith-run-${process.pid}-`));
    // The job's uid reaches a file bind's point through here (traverse, never list).
    chmodSync(work, 0o711);
    const stage = stagingPoints(work, prep);
    // Rootless forced by root: the setup step runs as the job's uid, reads here and mounts on these.
    if (mode.rootless && mode.held && !mode.subordinate) {
      for (const d of [work, ...stage.binds.filter((b) => b.startsWith(`${work}/`))])
        chownSync(d, mode.hostUid, mode.hostGid);
    }
    const planned = planCgroup(opts, mode, protections);
    const errorFile = path.join(work, 'error');
    const fstab = path.join(work, 'fstab');
    // Owner ids as the setup step's namespace spells them: the job's sub-id is INNER_JOB_ID there.
    const tmpfsOwner = mode.subordinate
      ? { uid: INNER_JOB_ID, gid: INNER_JOB_ID }
      : mode.rootless
        ? { uid: 0, gid: 0 }
        : { uid: mode.hostUid, gid: mode.hostGid };
    writeFileSync(fstab, fstabText({ prep, stage, tmpfsOwner }), { mode: 0o644 });
    const launch = (join: readonly string[] | null): Chain => {
      const rlimits = rlimitsFor(limits, join !== null);
      checkRlimitFloors(rlimits, limits);
      const argv = engineArgv({
        tools,
        prep,
        net: opts.net ?? 'none',
        become: mode.subordinate ? INNER_JOB_ID : (mode.held?.uid ?? null),
        rootless: mode.rootless,
        subordinate: mode.subordinate,
        rlimits,
        cgroupJoin: join ?? [],
        stage,
        tmpfsOwner,
        errorFile,
        fstab,
        seccompFd: withSeccomp ? SECCOMP_FD : null,
      });
      return startChain(argv, withSeccomp);
    };
    chain = launch(planned?.joinFiles ?? null);
    // The cgroup is made while the chain starts (the chain joins it after the go).
    if (planned) {
      const made = planned.create();
      if (made.ok) cgroup = madeCgroup(made.cgroup, protections);
      else {
        // The discovery found one possible, the making failed (rare): as when none can be used.
        await chain.abort();
        chain = null;
        noCgroup(opts, protections, made.reason);
        // The aborted chain's error file would say the next one reached its setup step.
        rmSync(errorFile, { force: true });
        chain = launch(null);
      }
    }
    // While the chain starts: the seccomp program, the audit verdict and the rw binds' ACLs. A
    // refusal here aborts the chain before it has run anything of the job.
    if (withSeccomp) chain.seccomp(seccompProgram());
    if (!opts.allowUnsafe) await refuseUnsafeJail(prep.root.dir, opts.auditAllow);
    if (mode.held) {
      granted = grantRwBinds(
        prep.binds.filter((b) => !b.readOnly).map((b) => b.source),
        mode.hostUid,
      );
    }
    if (opts.signal?.aborted) {
      throw new RunError('RUN_ABORTED', 'the run was aborted before the job started', {
        path: prep.root.dir,
      });
    }
    const started = process.hrtime.bigint();
    chain.go();
    went = true;
    // While the job runs: what it does not wait for, the sweep of what killed callers left.
    sweepStale(mode.rootless);
    const hits = new Set<LimitHit>();
    const outcome = await supervise(chain, opts, prep.command, cgroup, hits);
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;

    // The setup step opens the error file first thing: without it, the chain ended before (an
    // unshare failed, e.g. newuidmap refused the sub-ids), and nothing of the job ran. Its
    // status is not the job's.
    if (!existsSync(errorFile)) {
      throw new RunError(
        'RUN_SETUP',
        `setting up the job failed: the sandbox chain ended with status ${outcome.exitCode} before its setup step (its own message is above)`,
        { path: prep.root.dir },
      );
    }
    const setupError = readFileSync(errorFile, 'utf8').trim();
    if (outcome.exitCode === SETUP_FAILED && setupError) {
      throw new RunError('RUN_SETUP', `setting up the job failed: ${setupError}`, { path: prep.root.dir });
    }
    // Removed first: remove() empties the cgroup, reads the final stats once, and keeps them.
    const made = cgroup;
    cgroup = null; // tried once here, not again below
    await made?.remove();
    const stats = made?.stats() ?? null;
    if (stats?.memoryLimitHit) hits.add('memory');
    if (stats?.pidsLimitHit) hits.add('pids');
    if (limits.cpu !== undefined && stats?.cpuSeconds != null && stats.cpuSeconds >= limits.cpu)
      hits.add('cpu');
    return {
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      timedOut: hits.has('timeout'),
      wallSeconds,
      maxRssBytes: stats?.peakMemoryBytes ?? null,
      peakMemoryBytes: stats?.peakMemoryBytes ?? null,
      cpuSeconds: stats?.cpuSeconds ?? null,
      limitsHit: [...hits].sort(),
      cgroup: made?.version ?? null,
      seccomp: withSeccomp,
      rootless: mode.rootless,
      hostUid: mode.hostUid,
      missing: protections.missing,
      notes: protections.notes,
    };
  } finally {
    if (chain && !went) await chain.abort();
    await cgroup?.remove();
    const owner = opts.resultOwner ?? { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };
    if (mode.held) {
      revokeRwBinds(granted, mode.hostUid);
      const rw = prep.binds.filter((b) => !b.readOnly && b.dir).map((b) => b.source);
      if (mode.subordinate) handOverSubordinate(rw, mode.subordinate, tools.unshare);
      else handOver(rw, mode.hostUid, mode.hostGid, owner);
    }
    await mode.held?.release();
    if (work) removeWorkDir(work);
  }
}
