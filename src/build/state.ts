import { closeSync, fstatSync, lstatSync, readFileSync } from 'node:fs';
import type { PlanEntry } from '../plan/index.js';
import { type FileFact, factKey, factsFromJson } from '../resolve/file-facts.js';
import { type StagedStat, under } from '../root/index.js';
import { writeFileAtomic } from '../sys/index.js';
import { openNoFollow, selfUid, writableOnlyBy } from '../sys/own-file.js';

/**
 * What the last build wrote, kept beside DIR (`.NAME.jailsmith-state.json`, in the root-owned
 * parent, out of reach of jail users): for each file, its inode, ctime and size when we finished
 * and the sha256 we wrote. A file whose inode, ctime and size still match holds those bytes:
 * every write, truncate or rename-over changes the ctime or the inode, and ctime cannot be set
 * from user space. So a no-op rebuild hashes nothing; a missing or stale record just means hashing.
 * `sources` holds createPlan's source sha256s by stat key (see plan/source-hashes.ts) for the same
 * reason on the source side, and `facts` what each source file is (ELF and what it needs, a
 * script, neither; resolve/file-facts.ts) by the same key, so a no-op rebuild opens no source.
 */
export type JailState = Map<string, { key: string; sha256: string }>;

export function statKey(st: StagedStat): string {
  return `${st.dev}:${st.ino}:${st.ctimeMs}:${st.size}`;
}

export function readState(file: string): JailState {
  return readStateFile(file).files;
}

/** Source sha256s by (dev, ino, size, mtime, ctime) key: createPlan's SourceHashes, kept here too. */
export function readSourceHashes(file: string): Map<string, string> {
  return readStateFile(file).sources;
}

/** Source file facts by the same key: what the resolver learnt (see resolve/file-facts.ts). */
export function readFileFacts(file: string): Map<string, FileFact> {
  return readStateFile(file).facts;
}

/** The file records and the capability confirmation (see CapsRecord) of a state file, from one read. */
export function readJailState(file: string): { files: JailState; caps: CapsRecord | undefined } {
  const s = readStateFile(file);
  return { files: s.files, caps: s.caps };
}

/** Both source maps of a state file, from one read. */
export function readSourceState(file: string): {
  sources: Map<string, string>;
  facts: Map<string, FileFact>;
} {
  const s = readStateFile(file);
  return { sources: s.sources, facts: s.facts };
}

/**
 * When getfattr last confirmed that the jail held exactly the capabilities its plan named, and
 * those capabilities (jail path → text). An xattr change moves the inode's ctime, so an entry
 * whose ctime is older than `at` (less RACY_NS) still carries what was confirmed
 * (capability-diff.ts).
 */
export interface CapsRecord {
  at: bigint;
  planned: Record<string, string>;
}

interface StateFile {
  files: JailState;
  sources: Map<string, string>;
  facts: Map<string, FileFact>;
  caps?: CapsRecord | undefined;
}

// build-jail reads the sources and facts and apply the files: one parse of the file serves both.
// Keyed like file facts; writeState always renames a new file in, so a new state is a new inode.
let lastRead: { file: string; key: string; data: StateFile } | undefined;

function readStateFile(file: string): StateFile {
  const state: JailState = new Map();
  const sources = new Map<string, string>();
  const out: StateFile = { files: state, sources, facts: new Map() };
  let fd: number;
  try {
    fd = openNoFollow(file);
  } catch {
    return out;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile() || !writableOnlyBy(st, [selfUid()])) return out;
    const key = factKey(st);
    if (lastRead?.file === file && lastRead.key === key) return copyOf(lastRead.data);
    const data = JSON.parse(readFileSync(fd, 'utf8')) as {
      format?: number;
      files?: Record<string, [string, string]>;
      sources?: Record<string, string>;
      facts?: unknown;
      caps?: { at?: unknown; planned?: unknown };
    };
    if (data.format !== 1 || typeof data.files !== 'object' || data.files === null) return out;
    for (const [p, v] of Object.entries(data.files)) {
      if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string') {
        state.set(p, { key: v[0], sha256: v[1] });
      }
    }
    if (typeof data.sources === 'object' && data.sources !== null) {
      for (const [k, v] of Object.entries(data.sources)) if (typeof v === 'string') sources.set(k, v);
    }
    out.facts = factsFromJson(data.facts);
    out.caps = capsFromJson(data.caps);
    lastRead = { file, key, data: copyOf(out) };
  } catch {
    // unreadable or corrupt: behave as if there were none
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Callers may change the maps they get: each gets its own (the facts themselves are not changed). */
function copyOf(d: StateFile): StateFile {
  return { files: new Map(d.files), sources: new Map(d.sources), facts: new Map(d.facts), caps: d.caps };
}

function capsFromJson(c: { at?: unknown; planned?: unknown } | undefined): CapsRecord | undefined {
  if (typeof c !== 'object' || c === null || typeof c.at !== 'string' || !/^\d+$/.test(c.at))
    return undefined;
  const p = c.planned;
  if (typeof p !== 'object' || p === null || !Object.values(p).every((v) => typeof v === 'string'))
    return undefined;
  return { at: BigInt(c.at), planned: { ...(p as Record<string, string>) } };
}

/** The record writeState takes, back from what readState returned. */
export function stateRecord(state: JailState): StateRecord {
  const files: StateRecord = {};
  for (const [p, v] of state) files[p] = [v.key, v.sha256];
  return files;
}

export type StateRecord = Record<string, [string, string]>;

/**
 * A symlink's record holds its target behind this prefix where a file's holds a sha256: no hex
 * digest starts with it, and a link never shares an inode (the key) with a file.
 */
export const LINK = 'link:';

/** The symlink records of a state, carried over when only file records are rewritten. */
export function linkRecords(state: JailState): StateRecord {
  const out: StateRecord = {};
  for (const [p, v] of state) if (v.sha256.startsWith(LINK)) out[p] = [v.key, v.sha256];
  return out;
}

/**
 * The files of a finished tree. Taken in the private staging tree just before the swap (a rename
 * changes neither inode nor ctime of what is inside), so nothing a jail user does afterwards can
 * end up recorded as ours. A file missing there is simply not recorded. `known`: stats the
 * writer took of files it finished (StagingWriter.staged), saving their lstat.
 */
export function collectState(
  root: string,
  entries: PlanEntry[],
  known: ReadonlyMap<string, StagedStat> = new Map(),
): StateRecord {
  const files: StateRecord = {};
  for (const e of entries) {
    if (e.type !== 'file' && e.type !== 'generated' && e.type !== 'symlink') continue;
    const staged = known.get(e.path);
    if (staged !== undefined && e.type !== 'symlink') {
      files[e.path] = [statKey(staged), e.sha256];
      continue;
    }
    try {
      const st = lstatSync(under(root, e.path));
      if (e.type === 'symlink') {
        if (st.isSymbolicLink()) files[e.path] = [statKey(st), LINK + e.target];
      } else if (st.isFile()) files[e.path] = [statKey(st), e.sha256];
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
  facts: ReadonlyMap<string, FileFact> = new Map(),
  caps?: CapsRecord,
): void {
  const body = {
    format: 1,
    files,
    sources: Object.fromEntries(sources),
    facts: Object.fromEntries(facts),
    ...(caps === undefined ? {} : { caps: { at: String(caps.at), planned: caps.planned } }),
  };
  // No fsync: a cache. Lost or torn by a crash, it reads as empty (readStateFile) and the next
  // build hashes what it cannot vouch for; a record can only ever match the inode it was taken of.
  writeFileAtomic(file, JSON.stringify(body), { fsync: false });
}
