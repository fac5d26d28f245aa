/**
 * The run policy: how a job enters a jail. One model, written once (a spec's `run:` block plus
 * command-line overrides) and carried as data: `jailsmith run` turns it into the sandbox, packages
 * and images carry it beside the jail, and the fleet renderers turn it into other engines' forms.
 */
/** A host path made visible inside the jail for one run. */
export interface BindMount {
  /** Host path (must exist). */
  source: string;
  /** Absolute in-jail path (must exist in the jail, reached without symlinks). */
  target: string;
  readOnly: boolean;
}

/** A private, size-limited tmpfs made for one job at an in-jail directory, gone when it ends. */
export interface TmpfsMount {
  /** Absolute in-jail directory (must exist in the jail, reached without symlinks). */
  path: string;
  /** Bytes; default 64 MiB. Its pages also count against the job's memory limit. */
  size?: number;
  /** Mode of its root; default 1777 for /tmp and 0700 elsewhere (owned by the job's user). */
  mode?: number;
  /** Allow executing files from it (default false: mounted noexec). */
  exec?: boolean;
}

/**
 * Limits on the whole job. `mem`, `nproc` and `cores` are enforced through the job's own cgroup
 * (src/run/cgroup); `cpu` is CPU seconds of the whole job (the cgroup's usage, plus RLIMIT_CPU on
 * each process); `as`, `fsize` and `nofile` are rlimits of each process.
 */
export interface RunLimits {
  /** CPU seconds of the whole job. */
  cpu?: number;
  /** Bytes of memory of the whole job: anonymous memory, its tmpfs pages, memfd, SysV shm. */
  mem?: number;
  /** Processes and threads of the whole job, itself included: 1 forbids forking (the cgroup's pids limit, the sandbox's own added). */
  nproc?: number;
  /** A CPU quota in cores (0.5 = half of one core). */
  cores?: number;
  /** RLIMIT_AS, bytes of address space of each process. */
  as?: number;
  /** RLIMIT_FSIZE, bytes. */
  fsize?: number;
  /** RLIMIT_NOFILE. */
  nofile?: number;
}

/** First and last host uid (and gid) handed to jobs, one per concurrent job. */
export interface UidRange {
  first: number;
  last: number;
}

/** A bind as a policy carries it: the jail path always; the host source where the job runs. */
export interface PolicyBind {
  target: string;
  readOnly: boolean;
  /** Host path; absent in a shipped policy (the operator gives it where the job runs). */
  source?: string;
}

/** Everything of a run that is not the jail, the command line's COMMAND, or host plumbing. JSON-safe. */
export interface RunPolicy {
  /** A user name of the jail's /etc/passwd, or a uid. */
  user?: string | number;
  workdir?: string;
  env?: Record<string, string>;
  /** The job is entrypoint + (COMMAND, or cmd when no COMMAND is given), as containers have it. */
  entrypoint?: string[];
  cmd?: string[];
  net?: 'none' | 'host';
  limits?: RunLimits;
  tmpfs?: TmpfsMount[];
  binds?: PolicyBind[];
  /** Wall-clock seconds. */
  timeout?: number;
  seccomp?: boolean;
  /** Audit allow rules for the gate before a run (the spec's audit.allow). */
  auditAllow?: string[];
}
