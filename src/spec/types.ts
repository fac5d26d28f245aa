/**
 * The validated, normalised jail spec. The YAML keys are a contract (see schema/jail-spec.schema.json);
 * after loading, every optional list is present and every path is an absolute in-root path.
 */
export interface SpecUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  gecos: string;
}

export interface SpecGroup {
  name: string;
  gid: number;
  members: string[];
}

export interface SpecDevice {
  path: string;
  type: 'char' | 'block';
  major: number;
  minor: number;
  mode: number;
  uid: number;
  gid: number;
}

export interface SpecDir {
  path: string;
  mode: number;
  /** Numeric or a name from the spec's users/groups. */
  owner: number | string;
  group: number | string;
  /** User data (homes, work dirs): kept across rebuilds. */
  preserve: boolean;
}

export interface SpecFile {
  /** Path inside the jail. */
  path: string;
  /** Path in the source root to copy from (defaults to `path`). */
  from?: string;
  /** Literal content instead of a copy. */
  content?: string;
  mode?: number;
  /** Owner and group of the jail file: numeric, or names of the spec's users/groups (default root). */
  owner?: number | string;
  group?: number | string;
}

export interface SpecSymlink {
  path: string;
  target: string;
}

export interface SpecTrace {
  command: string[];
  shell: boolean;
}

/** A writable place of a job (run.tmpfs); size as written (e.g. "64M"), parsed when a run is set up. */
export interface SpecTmpfs {
  path: string;
  size?: string | number;
  mode?: number;
  exec?: boolean;
}

export interface RunSettings {
  user?: string | number;
  env?: Record<string, string>;
  workdir?: string;
  entrypoint?: string[];
  cmd?: string[];
  net?: 'none' | 'host';
  limits?: Record<string, string | number>;
  binds?: string[];
  timeout?: number;
  /** false: run the job without jailsmith's default seccomp filter. */
  seccomp?: boolean;
  tmpfs?: SpecTmpfs[];
}

export interface AuditSettings {
  /** `ID` or `ID:PATH-GLOB` entries that silence accepted findings. */
  allow: string[];
}

export interface JailSpec {
  name: string;
  /** Host directory the jail's files come from ('/' for the host). */
  source: string;
  binaries: string[];
  files: SpecFile[];
  trees: string[];
  exclude: string[];
  profiles: string[];
  packages: string[];
  /** With packages: follow Depends. */
  dependencies: boolean;
  /** Include /usr/share/doc, man, info from packages and trees. */
  docs: boolean;
  /** A foreign-architecture root: copy the host's qemu-<arch>-static into the jail. */
  qemuStatic: boolean;
  users: SpecUser[];
  groups: SpecGroup[];
  devices: SpecDevice[];
  dirs: SpecDir[];
  symlinks: SpecSymlink[];
  trace: SpecTrace[];
  /** Globs of jail paths whose setuid/setgid bits are kept (stripped otherwise). */
  keepSetuid: string[];
  /** File capabilities: jail path → canonical capability text ("cap_net_raw=ep"). */
  capabilities: Record<string, string>;
  /** Discovery signals turned on (all of DISCOVERY_SIGNALS by default; [] when `discover: false`). */
  discover: string[];
  run: RunSettings;
  audit: AuditSettings;
  /** Spec files read, the top one first (for messages and the plan's provenance). */
  origin: string[];
  /**
   * Where values were written, for errors found later (a binary missing from the root):
   * `"binaries:NAME"`, `"trees:PATH"`, `"files:PATH"`, `"profiles:NAME"` → `"file:line:column"`.
   */
  where?: Record<string, string>;
}
