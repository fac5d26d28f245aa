/**
 * runJail: one job in one jail, in new mount, PID, IPC, UTS and (by default) network namespaces,
 * chrooted, as an unprivileged uid without capabilities, with rlimits and a wall-clock timeout.
 * The argv of every step is in chain.ts; the in-namespace setup in inner.ts.
 */
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { RunError } from '../errors.js';
import { jobChain, namespaceArgv } from './chain.js';
import { hostTools } from './host-tools.js';
import { type InnerConfig, SETUP_FAILED } from './inner-config.js';
import { childrenOf, waitForJob } from './job-pid.js';
import { ensureProcDir, prepareRun } from './prepare.js';
import { checkWorkdirReachable, runMode } from './rootless.js';
import { refuseUnsafeJail } from './safety.js';
import type { RunOptions, RunResult } from './types.js';

/** inner.js next to this module; from the TypeScript sources (tests) the built copy in dist/. */
function innerScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sibling = path.join(here, 'inner.js');
  if (existsSync(sibling)) return sibling;
  const built = path.resolve(here, '../../dist/run/inner.js');
  if (existsSync(built)) return built;
  throw new RunError('RUN_NO_INNER', 'dist/run/inner.js is missing', { hint: 'run `npx tsc -p .` first' });
}

function signalName(n: number): string | null {
  const e = Object.entries(os.constants.signals).find(([, v]) => v === n);
  return e ? e[0] : null;
}

const WORK_DIR = /^jailsmith-run-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * Removes the work dirs (config, time report) of runs whose process is gone: a SIGKILLed caller
 * cannot clean up after itself, and its job is already dead (parent-death signal).
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
    } catch {} // another user's (a rootless run's caller cannot remove root's): not ours to sweep
  }
}

/** GNU time's report: an optional "Command terminated by signal N" line, then "%x %M". */
export function parseTimeReport(
  text: string,
): { exitCode: number; signal: number | null; maxRssBytes: number } | null {
  const last = /^(\d+) (\d+)\s*$/m.exec(text.trim().split('\n').pop() ?? '');
  if (!last) return null;
  const sig = /terminated by signal (\d+)/.exec(text);
  const signal = sig ? Number(sig[1]) : null;
  return {
    exitCode: signal !== null ? 128 + signal : Number(last[1]),
    signal,
    maxRssBytes: Number(last[2]) * 1024,
  };
}

export async function runJail(opts: RunOptions): Promise<RunResult> {
  const tools = hostTools();
  const prep = prepareRun(opts);
  const mode = runMode(opts.rootless, prep, tools);
  if (!opts.allowUnsafe) await refuseUnsafeJail(prep.root.dir, opts.auditAllow);
  checkWorkdirReachable(prep.root, prep.workdir, mode);
  ensureProcDir(prep.root, !mode.rootless);
  sweepStaleWorkDirs();
  const work = mkdtempSync(path.join(os.tmpdir(), `jailsmith-run-${process.pid}-`));
  try {
    // Root running rootless hands the namespace side to the job's ids: they write the error and time files.
    if (mode.userns?.becomeUid != null) chownSync(work, mode.hostUid, mode.hostGid);
    const timeFile = tools.time ? path.join(work, 'time') : null;
    const seccomp = opts.seccomp !== false && tools.enter !== null;
    const config: InnerConfig = {
      jail: prep.root.dir,
      binds: prep.binds,
      mount: tools.mount,
      ip: opts.net === 'host' ? null : tools.ip,
      env: prep.env,
      errorFile: path.join(work, 'error'),
      chain: jobChain(tools, {
        jail: prep.root.dir,
        workdir: prep.workdir,
        uid: prep.uid,
        gid: prep.gid,
        limits: opts.limits ?? {},
        command: prep.command,
        timeFile,
        seccomp,
        rootless: mode.rootless,
      }),
    };
    const configFile = path.join(work, 'config.json');
    writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
    if (mode.userns?.becomeUid != null) chownSync(configFile, mode.hostUid, mode.hostGid);
    const [cmd, ...args] = namespaceArgv(
      tools,
      opts.net ?? 'none',
      [process.execPath, innerScript(), configFile],
      mode.userns,
    );

    const started = process.hrtime.bigint();
    const child = execa(cmd as string, args, {
      stdio: 'inherit',
      reject: false,
      extendEnv: false,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    let done = false;
    let timedOut = false;
    const timer =
      opts.timeout !== undefined
        ? setTimeout(() => {
            timedOut = true;
            killJob(child.pid);
          }, opts.timeout * 1000)
        : undefined;
    const probe =
      opts.onStart && child.pid !== undefined
        ? waitForJob(child.pid, prep.root.dir, mode.hostUid, () => !done)
            .then((pid) => (pid !== null ? opts.onStart?.(pid) : undefined))
            // A probe racing a job that just ended must not cost the caller the job's result.
            .catch(() => undefined)
        : Promise.resolve();
    const r = await child;
    done = true;
    if (timer) clearTimeout(timer);
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    await probe;

    if (existsSync(config.errorFile)) {
      throw new RunError(
        'RUN_SETUP',
        `setting up the jail failed: ${readFileSync(config.errorFile, 'utf8').trim()}`,
        {
          path: prep.root.dir,
        },
      );
    }
    const report = timeFile && existsSync(timeFile) ? parseTimeReport(readFileSync(timeFile, 'utf8')) : null;
    if (timedOut) {
      return {
        exitCode: 128 + 9,
        signal: 'SIGKILL',
        timedOut,
        wallSeconds,
        maxRssBytes: report?.maxRssBytes ?? null,
        seccomp,
        rootless: mode.rootless,
      };
    }
    if (report) {
      const signal = report.signal !== null ? signalName(report.signal) : null;
      return {
        exitCode: report.exitCode,
        signal,
        timedOut,
        wallSeconds,
        maxRssBytes: report.maxRssBytes,
        seccomp,
        rootless: mode.rootless,
      };
    }
    const sigNum = r.signal ? os.constants.signals[r.signal] : undefined;
    const exitCode = r.exitCode ?? (sigNum !== undefined ? 128 + sigNum : SETUP_FAILED);
    return {
      exitCode,
      signal: r.signal ?? null,
      timedOut,
      wallSeconds,
      maxRssBytes: null,
      seccomp,
      rootless: mode.rootless,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Ends the job by ending the namespace's init (inner.js, the child of unshare): the kernel then
 * SIGKILLs every process of the PID namespace, and unshare returns only once they are all gone, so
 * the caller never sees the run end while part of the job still lives. The init gets SIGTERM, which
 * it answers by exiting (a SIGKILLed child makes unshare print a spurious warning); SIGKILL follows
 * after a second, to init and unshare both, should that not happen.
 */
function killJob(unsharePid: number | undefined): void {
  if (unsharePid === undefined) return;
  const inits = childrenOf(unsharePid);
  const signal = (pids: number[], sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {}
    }
  };
  if (inits.length === 0) {
    signal([unsharePid], 'SIGKILL');
    return;
  }
  signal(inits, 'SIGTERM');
  setTimeout(() => signal([...inits, unsharePid], 'SIGKILL'), 1000).unref();
}
