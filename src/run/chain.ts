/**
 * The engine's process chain (argv from engine.ts) as a running thing: started before the caller's
 * last checks (the audit verdict, the rw binds' ACLs), it sets up the job's namespace meanwhile and
 * waits in its setup step for a "go" on GO_FD before the job's uid, bubblewrap and the job. No go
 * (abort, or the caller dying) and the setup step ends without running any of the job; what it
 * mounted dies with its namespace.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import os from 'node:os';
import { RunError } from '../errors.js';
import type { JobCgroup } from './cgroup/index.js';
import { GO_FD, SECCOMP_FD, SETUP_FAILED, WATCH_FD } from './engine.js';
import { chainStdio } from './inherited-fds.js';
import { childrenOf, waitForJob } from './job-pid.js';
import type { LimitHit, RunOptions } from './types.js';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Chain {
  child: ChildProcess;
  /** The chain's end; rejects with RUN_SPAWN when it could not be started at all. */
  exited: Promise<Exit>;
  /** Hands bubblewrap its seccomp program (read when it starts, after the go). */
  seccomp(program: Buffer): void;
  /** Lets the setup step go on to the job's uid, bubblewrap and the job. */
  go(): void;
  /** Ends a chain that got no go (nothing of the job has run) and waits for it. */
  abort(): Promise<void>;
}

export function startChain(argv: readonly string[], withSeccomp: boolean): Chain {
  // fd 3: the seccomp program; 4: the go; 5: the watcher's pipe (engine.ts WATCH_FD).
  const { stdio, devNull } = chainStdio([withSeccomp ? 'pipe' : 'ignore', 'pipe', 'pipe']);
  const child = spawn(argv[0] as string, argv.slice(1), {
    stdio,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  if (devNull !== null) closeSync(devNull);
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', (e) =>
      reject(new RunError('RUN_SPAWN', `could not start the sandbox: ${e.message}`)),
    );
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // Awaited later (or never, after an abort): not an unhandled rejection meanwhile.
  exited.catch(() => undefined);
  // A chain that fails before reading a pipe closes it: its own exit says why.
  const pipe = (fd: number) => {
    const s = child.stdio[fd] as NodeJS.WritableStream | null;
    s?.on('error', () => undefined);
    return s;
  };
  const go = pipe(GO_FD);
  const filter = withSeccomp ? pipe(SECCOMP_FD) : null;
  // Held open, never written, while the chain runs: its end of file tells the watcher this
  // process is gone. Closed once the chain has ended (nothing of it is left to kill).
  const watch = (child.stdio as unknown[])[WATCH_FD] as {
    on(e: 'error', f: () => void): void;
    destroy(): void;
  } | null;
  watch?.on('error', () => undefined);
  child.once('exit', () => watch?.destroy());
  child.once('error', () => watch?.destroy());
  return {
    child,
    exited,
    seccomp: (program) => filter?.end(program),
    go: () => go?.end('go\n'),
    abort: async () => {
      // End of file at the setup step: it exits before mounting anything, and unshare with it.
      go?.end();
      const late = setTimeout(() => killChain(child), ABORT_GRACE_MS);
      await exited.catch(() => undefined);
      clearTimeout(late);
    },
  };
}

/** How long an aborted chain may take to see its end of file before it is killed. */
const ABORT_GRACE_MS = 5000;

/**
 * Kills a running chain below its setup shell (unshare's child, the init of the chain's PID
 * namespace, root for the whole run): the steps it started (bubblewrap, or unshare and prlimit
 * before they exec'd it, and its watcher) and their children (bubblewrap's init, whose death makes
 * the kernel kill the job's namespace). The shell then exits with 128+9 and unshare after it, each reaped by its
 * own parent. Killing unshare would leave its child to the host's pid 1 (a zombie where pid 1
 * never reaps, as in many containers); killing the shell makes unshare complain on the job's
 * stderr, so that is only for a shell that has no steps (still setting up), and unshare itself
 * only before the shell exists.
 */
function killChain(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const inits = childrenOf(child.pid);
  const steps = inits.flatMap(childrenOf);
  const targets = steps.length > 0 ? [...steps, ...steps.flatMap(childrenOf)] : inits;
  if (targets.length === 0) {
    child.kill('SIGKILL');
    return;
  }
  for (const pid of targets) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {} // ended meanwhile: its parent reaps it
  }
}

function signalName(n: number): string | null {
  const e = Object.entries(os.constants.signals).find(([, v]) => v === n);
  return e ? e[0] : null;
}

export interface Outcome {
  exitCode: number;
  signal: string | null;
}

/** CPU seconds of the whole job are watched this often when a cpu limit is set and a cgroup counts them. */
const CPU_POLL_MS = 100;

/**
 * Waits for a chain that got its go to end, killing it on --timeout or when the job's CPU seconds
 * run out (killChain). The cgroup's removal then kills anything left.
 */
export async function supervise(
  chain: Chain,
  opts: RunOptions,
  command: readonly string[],
  cgroup: JobCgroup | null,
  hits: Set<LimitHit>,
): Promise<Outcome> {
  const { child } = chain;
  let done = false;
  let killed = false;
  // A limit names itself in the result; the caller's abort ends the job as a timeout would, naming none.
  const kill = (why?: LimitHit) => {
    if (why) hits.add(why);
    killed = true;
    killChain(child);
  };
  const timers: NodeJS.Timeout[] = [];
  if (opts.timeout !== undefined) timers.push(setTimeout(() => kill('timeout'), opts.timeout * 1000));
  const onAbort = () => kill();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
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
  let exit: Exit;
  try {
    exit = await chain.exited;
  } finally {
    done = true;
    for (const t of timers) clearTimeout(t);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  await probe;
  if (killed) return { exitCode: 128 + 9, signal: 'SIGKILL' };
  const sigNum = exit.signal ? os.constants.signals[exit.signal] : undefined;
  const exitCode = exit.code ?? (sigNum !== undefined ? 128 + sigNum : SETUP_FAILED);
  // bubblewrap reports a job ended by signal N as 128 + N.
  const signal = exit.signal ?? (exitCode > 128 && exitCode < 128 + 65 ? signalName(exitCode - 128) : null);
  return { exitCode, signal };
}
