export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'socket';

/** One entry of `jailsmith manifest --json`: a contract shared by build, script, pack and install. */
export interface ManifestEntry {
  /** Absolute path inside the tree; the tree itself is '/'. */
  path: string;
  type: EntryType;
  /** Octal string with special bits, e.g. "4755". */
  mode: string;
  uid: number;
  gid: number;
  /** Bytes of a regular file (the first link of a hard-linked set), else 0. */
  size: number;
  sha256: string | null;
  /** Symlink target, or for a hardlink the path of the first link to the same inode. */
  target: string | null;
  rdev: [number, number] | null;
  /** Hex of the security.capability xattr, when present. */
  capability?: string;
}

export interface Manifest {
  entries: ManifestEntry[];
}
