/**
 * The audit's contract: the walk produces entries once, every check reads them through the
 * context and returns findings. Checks never touch the filesystem except through the context.
 */
import type { Resolver } from '../resolve/index.js';
import type { MountInfo } from '../sys/index.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Rank for comparisons: critical = 4 … info = 0. */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(s);
}

export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}

export interface Finding {
  id: string;
  severity: Severity;
  /** In-jail path ('/etc/shadow'), printable: control bytes and invalid UTF-8 escaped as \xNN. */
  path: string;
  message: string;
  /** The raw bytes of the path, base64, present only when `path` had to escape something. */
  pathBase64?: string;
}

export type EntryType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'socket' | 'fifo';

export interface Entry {
  /** In-jail path, printable (see Finding.path). */
  path: string;
  /** Host path as Node wants it: a string when the name is valid UTF-8, else the raw bytes. */
  host: string | Buffer;
  /** Raw in-jail path bytes when `path` escaped something. */
  raw?: Buffer;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  dev: bigint;
  ino: bigint;
  nlink: bigint;
  rdev: bigint;
  size: bigint;
  /** Symlink target, printable, and its raw bytes when escaped. */
  target?: string;
  targetRaw?: Buffer;
  /** The entry lies below a mount we descended into (tmpfs, devpts...), not on the jail's device. */
  inMount: boolean;
  /** The filesystem holding the entry is mounted nosuid. */
  nosuid: boolean;
  /** This entry is itself a mount point. */
  mountPoint?: MountInfo;
  /** A mount point the walk did not enter (bind, disk, proc, sysfs...). */
  foreign?: boolean;
}

/** A problem reading the tree: reported, the walk goes on. Not a finding. */
export interface AuditWarning {
  path: string;
  message: string;
}

export interface FileCap {
  version: 1 | 2 | 3;
  effective: boolean;
  permitted: bigint;
  inheritable: bigint;
  /** v3 only: the namespace root uid the caps apply to. */
  rootid?: number;
}

export interface AuditContext {
  /** Absolute real host path of the jail (symlinks resolved): what the walk and mounts use. */
  readonly jail: string;
  /** The jail path as given, made absolute lexically (may hold symlinks). */
  readonly jailGiven: string;
  readonly root: Entry;
  readonly entries: readonly Entry[];
  /** Entries by in-jail path. */
  readonly byPath: ReadonlyMap<string, Entry>;
  readonly files: readonly Entry[];
  readonly dirs: readonly Entry[];
  readonly symlinks: readonly Entry[];
  readonly devices: readonly Entry[];
  readonly sockets: readonly Entry[];
  /** Mounts whose mount point lies strictly under the jail, in mountinfo order. */
  readonly mountsUnder: readonly MountInfo[];
  /** The mount holding the jail directory itself. */
  readonly jailMount: MountInfo | undefined;
  /** Every mount of the host (this process's mountinfo). */
  readonly mounts: readonly MountInfo[];
  /** Regular files carrying security.capability, by in-jail path. */
  readonly fileCaps: ReadonlyMap<string, FileCap>;
  /** Hard-link counts: inode key → links met in the jail (jail device only, outside mounts). */
  readonly linksSeen: ReadonlyMap<bigint, number>;
  /** Reads a small regular file already walked, refusing links and swapped inodes. */
  readFile(path: string, max?: number): Buffer | undefined;
  /** True when a setuid/setgid-exec or file-capability file exists (raises some severities). */
  readonly hasPrivilegedFiles: boolean;
  warn(path: string, message: string): void;
  /** The resolver rooted at the jail (created once), or undefined when unavailable. */
  resolver(): Promise<Resolver | undefined>;
}

/** What reporters need to know about a check (SARIF rule, text why). */
export type RuleInfo = Pick<Check, 'id' | 'severity' | 'title' | 'why' | 'help'>;

export interface Check {
  id: string;
  /** The highest severity this check can report (SARIF default level, docs). */
  severity: Severity;
  title: string;
  /** One line: why it matters. */
  why: string;
  /** What to do about it (SARIF help text). */
  help: string;
  run(ctx: AuditContext): Finding[] | Promise<Finding[]>;
}

export interface AuditSummary {
  critical: number;
  high: number;
  medium: number;
  low: number;
  info: number;
  silenced: number;
  entries: number;
}

export interface AuditReport {
  jail: string;
  findings: Finding[];
  summary: AuditSummary;
  warnings: AuditWarning[];
}
