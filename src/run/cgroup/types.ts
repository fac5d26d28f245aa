/** Per-job cgroups: the data shapes shared by discovery, setup (v1, v2), stats, removal and sweep. */

export interface CgroupLimits {
  /** Memory of the whole job, tmpfs/shm/memfd pages it touches included; swap does not extend it. */
  memoryBytes?: number;
  /** Processes and threads of the whole job at once. */
  pids?: number;
  /** CPU quota in cores, e.g. 0.5 (CFS quota over a 100 ms period). */
  cores?: number;
}

/**
 * What the module does to the host, injectable so unit tests can run against a fake cgroupfs tree
 * (a plain directory cannot be rmdir'ed while it holds the interface files a kernel would drop).
 * Every method throws Node errno errors (`code` ENOENT, EEXIST, EBUSY...) like node:fs does.
 */
export interface CgroupFs {
  mkdir(path: string): void;
  rmdir(path: string): void;
  /** Whole file as text. */
  read(path: string): string;
  /** One write(2) of `text` into an existing file; never creates it. */
  write(path: string, text: string): void;
  exists(path: string): boolean;
  /** Names of the subdirectories of `path` (child cgroups). */
  subdirs(path: string): string[];
  /** SIGKILL; a pid that is already gone is not an error. */
  kill(pid: number): void;
  /** The pid names a live process (a zombie counts as live). */
  alive(pid: number): boolean;
}

export interface CgroupOptions {
  /** Where cgroupfs is mounted; default '/sys/fs/cgroup'. Tests point this at a fake tree. */
  mountRoot?: string;
  /** A configured parent cgroup path (relative to the hierarchy root) instead of the caller's own. */
  parent?: string;
  /** /proc/self/cgroup text; default read from /proc. */
  procSelfCgroup?: string;
  /** /proc/self/mountinfo text; default read from /proc. */
  mountinfo?: string;
  /** The caller's pid embedded in job names; default process.pid. */
  pid?: number;
  /** Host operations; default the real filesystem and process.kill. */
  fs?: CgroupFs;
}

export interface CgroupStats {
  /** Peak memory of the whole job; null when the kernel does not report it. */
  peakMemoryBytes: number | null;
  /** The memory limit made the kernel OOM-kill a process of the job. */
  memoryLimitHit: boolean;
  /** A fork or clone of the job failed on the pids limit. */
  pidsLimitHit: boolean;
  /** CPU time of the whole job (user + system); null when no accounting is there. */
  cpuSeconds: number | null;
}

export interface JobCgroup {
  version: 1 | 2;
  /**
   * Files the job's first process writes 0 into, moving itself: one cgroup.procs in v2; in v1 one
   * tasks file per hierarchy, which moves just the thread that writes (all of a single-threaded
   * process, as the setup shell is). A v1 move of one's own thread skips the kernel's threadgroup
   * lock, whose taking waits out an RCU grace period (6-10 ms per job measured here against
   * 0.2 ms); v2 has no such file: there it costs the grace period unless the hierarchy is mounted
   * with favordynmods.
   */
  joinFiles: string[];
  /** Job cgroup directories created (for the result/debug). */
  paths: string[];
  /**
   * Protections that could not be set and what that means, machine-readable enough to print
   * (e.g. no swap accounting: swap could extend the memory limit). Empty when all were set.
   */
  notes: string[];
  /** Read now; after remove(), the values read just before the directories went away. */
  stats(): CgroupStats;
  /**
   * SIGKILL everything still in it (v2 cgroup.kill when present, else a loop over cgroup.procs
   * until empty), rmdir it, and rmdir the shared `jailsmith` parent when it became empty. Throws a
   * RunError naming the directory when it cannot be removed. Calling it again is a no-op.
   */
  remove(): Promise<void>;
}

export type CgroupSetup = { ok: true; cgroup: JobCgroup } | { ok: false; reason: string };

/** One mounted hierarchy the job joins: where its cgroup tree is and under which parent jobs go. */
export interface Hierarchy {
  version: 1 | 2;
  /** v1: the controllers of this hierarchy (e.g. ['cpu','cpuacct']); v2: those the parent delegates. */
  controllers: string[];
  /** The directory of the parent cgroup the `jailsmith` cgroup goes in. */
  parentDir: string;
}
