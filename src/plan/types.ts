/**
 * The plan: the single hand-off from spec + resolution to build, script and pack. Pure data,
 * JSON-printable, ordered so that every parent directory comes before its children.
 * Paths are absolute jail paths; modes are numbers holding permission and special bits only.
 */
interface Base {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  /**
   * Why the entry is in the jail ("binaries: date", "closure of /usr/bin/date", "profile tz",
   * "discover: the string \"/usr/share/misc/magic\" in /usr/lib/x86_64-linux-gnu/libmagic.so.1").
   * Optional: plans saved before provenance existed still load.
   */
  why?: string;
}

export interface DirEntry extends Base {
  type: 'dir';
  /** User data: a rebuild keeps what is in it. */
  preserve?: boolean;
}

export interface FileEntry extends Base {
  type: 'file';
  /** Host path the content is copied from. */
  source: string;
  sha256: string;
  size: number;
  /** File capability set on the jail file (spec `capabilities`), canonical setcap text. */
  capability?: string;
}

export interface GeneratedEntry extends Base {
  type: 'generated';
  content: string;
  sha256: string;
  size: number;
}

export interface SymlinkEntry extends Base {
  type: 'symlink';
  target: string;
}

export interface HardlinkEntry extends Base {
  type: 'hardlink';
  /** Jail path of the file this one is a link to (planned earlier). */
  target: string;
}

export interface DeviceEntry extends Base {
  type: 'device';
  device: 'char' | 'block';
  major: number;
  minor: number;
}

export type PlanEntry = DirEntry | FileEntry | GeneratedEntry | SymlinkEntry | HardlinkEntry | DeviceEntry;

export interface JailPlan {
  /** Format version of this structure. */
  format: 1;
  name: string;
  /** Host directory files were taken from. */
  source: string;
  entries: PlanEntry[];
  /**
   * Host paths file entries take on purpose from the host rather than the source root (qemu_static's
   * emulator); absent when there are none. Build copies these even when `source` is another root.
   */
  hostSources?: string[];
  /** Things the user should know (e.g. /dev/log needs a syslog socket at run time). */
  notes: string[];
  run: import('../spec/index.js').RunSettings;
  audit: import('../spec/index.js').AuditSettings;
}
