/** A host path made visible inside the jail for one run. */
export interface BindMount {
  /** Host path (must exist). */
  source: string;
  /** Absolute in-jail path (must exist in the jail, reached without symlinks). */
  target: string;
  readOnly: boolean;
}

/** rlimits applied to the job (soft = hard). Absent keys are left as inherited. */
export interface RunLimits {
  /** RLIMIT_CPU, seconds. */
  cpu?: number;
  /** RLIMIT_AS, bytes of address space. */
  mem?: number;
  /** RLIMIT_NPROC: processes of the job's uid. */
  nproc?: number;
  /** RLIMIT_FSIZE, bytes. */
  fsize?: number;
  /** RLIMIT_NOFILE. */
  nofile?: number;
}

export interface RunOptions {
  /** The jail directory on the host. */
  jail: string;
  /** Command and arguments, run inside the jail (a name is looked up in the job's PATH). */
  command: string[];
  /** A uid number or a user name from the jail's /etc/passwd. Default 65534. */
  user?: string | number;
  binds?: BindMount[];
  /** Default 'none': a new network namespace with only loopback. */
  net?: 'none' | 'host';
  limits?: RunLimits;
  /** Wall-clock seconds; the whole job (its PID namespace) is killed past it. */
  timeout?: number;
  /** Added after PATH, HOME and LANG (and may override them). */
  env?: Record<string, string>;
  /** In-jail working directory, default '/'. */
  workdir?: string;
  /**
   * Install the default seccomp filter (src/run/seccomp.h) on the job. Default true; false for a
   * job that needs what it refuses (mount, unshare, keyctl, io_uring, bpf...).
   */
  seccomp?: boolean;
  /**
   * Run in a user namespace, without root (src/run/rootless.ts). Default: true when the caller's
   * euid is not 0. Root may force it to test it; false without root is refused.
   */
  rootless?: boolean;
  /** Skip the static audit that otherwise refuses a jail with critical findings. */
  allowUnsafe?: boolean;
  /** Audit allow rules (`ID` or `ID:GLOB`, e.g. the spec's audit.allow) for that gate. */
  auditAllow?: string[];
  /**
   * Called with the host pid of the job once it runs inside the jail (for runtime probes). Not
   * called when the job ends first; an error it throws is dropped (the run's result comes first).
   */
  onStart?: (pid: number) => void | Promise<void>;
}

export interface RunResult {
  /** The job's exit status, or 128 + signal number when a signal ended it. */
  exitCode: number;
  /** Name of the signal that ended the job, or null. */
  signal: string | null;
  /** The job was killed because --timeout passed. */
  timedOut: boolean;
  wallSeconds: number;
  /** Peak resident set of the job's largest process (getrusage of the reaped job); null when unmeasured. */
  maxRssBytes: number | null;
  /**
   * The job ran under the seccomp filter: false when turned off, and always false without
   * jailsmith-enter (built without a C compiler), whose `unshare --root` fallback installs none.
   */
  seccomp: boolean;
  /** The job ran rootless: in a user namespace mapping its uid/gid to an unprivileged host identity. */
  rootless: boolean;
}
