import type { BindMount, RunLimits, TmpfsMount, UidRange } from '../policy/index.js';

export type { BindMount, RunLimits, TmpfsMount, UidRange };

export interface RunOptions {
  /** The jail directory on the host. */
  jail: string;
  /** Command and arguments, run inside the jail (a name is looked up in the job's PATH). */
  command: string[];
  /** A uid number or a user name from the jail's /etc/passwd. Default 65534. */
  user?: string | number;
  binds?: BindMount[];
  /**
   * Writable places of the job, each a tmpfs of its own. /tmp is always one unless listed here with
   * other settings; a path given here replaces a default at the same path.
   */
  tmpfs?: TmpfsMount[];
  /** Default 'none': a new network namespace with only loopback. */
  net?: 'none' | 'host';
  limits?: RunLimits;
  /** Wall-clock seconds; the whole job is killed past it. */
  timeout?: number;
  /** Added after PATH, HOME and LANG (and may override them). */
  env?: Record<string, string>;
  /** In-jail working directory, default '/'. */
  workdir?: string;
  /**
   * Install the default seccomp filter (src/run/seccomp) on the job. Default true; false for a
   * job that needs what it refuses (mount, unshare, keyctl, io_uring, bpf...).
   */
  seccomp?: boolean;
  /**
   * Run without root (src/run/mode.ts). Default: true when the caller's euid is not 0. Root may
   * force it to test it; false without root is refused.
   */
  rootless?: boolean;
  /** Host uids for jobs (root mode); default from JAILSMITH_UID_RANGE, /etc/jailsmith/run.json, or built in. */
  uidRange?: UidRange;
  /** Who owns what the job wrote into rw binds once it ends; default the caller's uid and gid. */
  resultOwner?: { uid: number; gid: number };
  /** The cgroup jobs go under (relative to each hierarchy's root); default the caller's own. */
  cgroupParent?: string;
  /** Skip the static audit that otherwise refuses a jail with critical findings. */
  allowUnsafe?: boolean;
  /** Audit allow rules (`ID` or `ID:GLOB`, e.g. the spec's audit.allow) for that gate. */
  auditAllow?: string[];
  /**
   * Called with the host pid of the job once it runs inside the jail (for runtime probes). Not
   * called when the job ends first; an error it throws is dropped (the run's result comes first).
   */
  onStart?: (pid: number) => void | Promise<void>;
  /**
   * Ends the run when aborted: a running job is killed whole, as by a timeout (the result says
   * SIGKILL); before the job started, nothing of it runs and runJail rejects with RUN_ABORTED.
   * Either way everything is cleaned up before runJail settles.
   */
  signal?: AbortSignal;
}

/** What ended or held the job. */
export type LimitHit = 'memory' | 'pids' | 'cpu' | 'timeout';

export interface RunResult {
  /** The job's exit status, or 128 + signal number when a signal ended it. */
  exitCode: number;
  /** Name of the signal that ended the job, or null. */
  signal: string | null;
  /** The job was killed because --timeout passed. */
  timedOut: boolean;
  wallSeconds: number;
  /**
   * Kept for compatibility: once the largest process's peak RSS, now the same as peakMemoryBytes
   * (bubblewrap's init does not pass its children's rusage on, and the job's total is what limits it).
   */
  maxRssBytes: number | null;
  /** Peak memory of the whole job from its cgroup (tmpfs, shm and memfd pages included); null without one. */
  peakMemoryBytes: number | null;
  /** CPU seconds of the whole job from its cgroup; null without one. */
  cpuSeconds: number | null;
  /** Limits the job ran into: 'memory' (killed by the cgroup's OOM), 'pids' (forks refused), 'cpu', 'timeout'. */
  limitsHit: LimitHit[];
  /** The cgroup version the job's limits went through, or null when none could be used (see notes). */
  cgroup: 1 | 2 | null;
  /** The job ran under the seccomp filter (false only when turned off). */
  seccomp: boolean;
  /** The job ran rootless: in a user namespace mapping its uid/gid to the caller's own. */
  rootless: boolean;
  /** The host uid (= gid) the job's processes had; unique among concurrent jobs in root mode. */
  hostUid: number;
  /** Protections that could not be applied, by name (e.g. 'cgroup', 'per-job-uid', 'noexec-tmpfs'). */
  missing: string[];
  /** One line per missing protection or downgrade, saying why. */
  notes: string[];
}
