import { lstatSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { SourceHashes } from '../plan/index.js';
import { type FileFact, FileFacts } from '../resolve/index.js';
import { jailPaths } from '../root/index.js';
import { sharedCacheDir } from './shared-cache-dir.js';
import { readSourceState, writeState } from './state.js';

/** What createPlan and applyPlan share to make a rebuild cheap; see build/state.ts. */
export interface SourceCaches {
  sourceHashes: SourceHashes;
  fileFacts: FileFacts;
}

/**
 * The source sha256s and file facts remembered beside DIR by the last build, with those of every
 * build and plan of this user behind them (planCacheFile): a rebuild re-reads only sources whose
 * inode or times moved, and a first build into a new DIR re-reads only sources no earlier run has
 * seen unchanged. The facts are about source files, keyed by their stat, never about a jail.
 * `force` (--force) starts empty: every source is read again and the state is recorded afresh,
 * the way out if those records were ever doubted.
 */
export function sourceCaches(
  dir: string,
  force = false,
  shared: string | null = planCacheFile(),
): SourceCaches {
  if (force) return { sourceHashes: new SourceHashes(), fileFacts: new FileFacts() };
  const own = readSourceState(jailPaths(dir).state);
  const common = shared === null ? undefined : readSourceState(shared);
  return {
    sourceHashes: new SourceHashes(own.sources, common?.sources),
    fileFacts: new FileFacts(own.facts, common?.facts),
  };
}

/**
 * Where `plan SPEC` and builds share source facts between runs: a private file of the user's
 * cache directory (shared-cache-dir.ts), in the state format; null when that is off.
 */
export function planCacheFile(env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = sharedCacheDir(env);
  return dir === null ? null : path.join(dir, 'source-facts.json');
}

/** The shared cache's sums and facts, for `plan` (empty when absent, not ours, or corrupt). */
export function loadPlanCaches(file = planCacheFile()): SourceCaches {
  const s = file === null ? undefined : readSourceState(file);
  return { sourceHashes: new SourceHashes(s?.sources), fileFacts: new FileFacts(s?.facts) };
}

/** Entries the shared cache keeps at most: this run's first, then the older ones it had. */
const SHARED_MAX = 200_000;

/**
 * Adds what a plan or build learnt by reading sources itself to the shared cache, when it learnt
 * anything. Best effort: a cache that cannot be written (read-only home, a directory that is not
 * ours) costs the next run its speed, never its answer.
 */
export function savePlanCaches(caches: SourceCaches, file = planCacheFile()): void {
  const { sourceHashes: h, fileFacts: f } = caches;
  if (file === null || h.learnt.size + f.learnt.size === 0) return;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const st = lstatSync(path.dirname(file));
    if (!st.isDirectory() || st.uid !== process.geteuid?.() || (st.mode & 0o022) !== 0) return;
    // Re-read: another run may have added to it since this one started.
    const now = readSourceState(file);
    // Only what this run read itself: a record taken from a jail's state is that jail's to keep.
    const sums = merged(h.learnt, now.sources);
    const facts = merged<FileFact>(f.learnt, now.facts);
    writeState(file, {}, sums, facts);
  } catch {
    // see above: only speed is lost
  }
}

function merged<T>(first: ReadonlyMap<string, T>, then: ReadonlyMap<string, T>): Map<string, T> {
  const out = new Map(first);
  for (const [k, v] of then) {
    if (out.size >= SHARED_MAX) break;
    if (!out.has(k)) out.set(k, v);
  }
  return out;
}
