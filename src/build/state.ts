import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import type { PlanEntry } from '../plan/index.js';
import { under } from '../root/index.js';
import { writeFileAtomic } from '../sys/index.js';

/**
 * What the last build wrote, kept beside DIR (`.NAME.jailsmith-state.json`, in the root-owned
 * parent, out of reach of jail users): for each file, its inode, ctime and size when we finished
 * and the sha256 we wrote. A file whose inode, ctime and size still match holds those bytes:
 * every write, truncate or rename-over changes the ctime or the inode, and ctime cannot be set
 * from user space. So a no-op rebuild hashes nothing; a missing or stale record just means hashing.
 * `sources` holds createPlan's source sha256s by stat key (see plan/source-hashes.ts) for the same
 * reason on the source side.
 */
export type JailState = Map<string, { key: string; sha256: string }>;

export function statKey(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.ctimeMs}:${st.size}`;
}

export function readState(file: string): JailState {
  return readStateFile(file).files;
}

/** Source sha256s by (dev, ino, size, mtime, ctime) key: createPlan's SourceHashes, kept here too. */
export function readSourceHashes(file: string): Map<string, string> {
  return readStateFile(file).sources;
}

function readStateFile(file: string): { files: JailState; sources: Map<string, string> } {
  const state: JailState = new Map();
  const sources = new Map<string, string>();
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return { files: state, sources };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== process.geteuid?.() || (st.mode & 0o022) !== 0)
      return { files: state, sources };
    const data = JSON.parse(readFileSync(fd, 'utf8')) as {
      format?: number;
      files?: Record<string, [string, string]>;
      sources?: Record<string, string>;
    };
    if (data.format !== 1 || typeof data.files !== 'object' || data.files === null)
      return { files: state, sources };
    for (const [p, v] of Object.entries(data.files)) {
      if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string') {
        state.set(p, { key: v[0], sha256: v[1] });
      }
    }
    if (typeof data.sources === 'object' && data.sources !== null) {
      for (const [k, v] of Object.entries(data.sources)) if (typeof v === 'string') sources.set(k, v);
    }
  } catch {
    // unreadable or corrupt: behave as if there were none
  } finally {
    closeSync(fd);
  }
  return { files: state, sources };
}

/** The record writeState takes, back from what readState returned. */
export function stateRecord(state: JailState): StateRecord {
  const files: StateRecord = {};
  for (const [p, v] of state) files[p] = [v.key, v.sha256];
  return files;
}

export type StateRecord = Record<string, [string, string]>;

/**
 * The files of a finished tree. Taken in the private staging tree just before the swap (a rename
 * changes neither inode nor ctime of what is inside), so nothing a jail user does afterwards can
 * end up recorded as ours. A file missing there is simply not recorded.
 */
export function collectState(root: string, entries: PlanEntry[]): StateRecord {
  const files: StateRecord = {};
  for (const e of entries) {
    if (e.type !== 'file' && e.type !== 'generated') continue;
    try {
      const st = lstatSync(under(root, e.path));
      if (st.isFile()) files[e.path] = [statKey(st), e.sha256];
    } catch {
      // not recorded: the next comparison hashes it
    }
  }
  return files;
}

export function writeState(
  file: string,
  files: StateRecord,
  sources: ReadonlyMap<string, string> = new Map(),
): void {
  writeFileAtomic(file, JSON.stringify({ format: 1, files, sources: Object.fromEntries(sources) }));
}
