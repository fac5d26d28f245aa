import { lstatSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SourceHashes } from '../plan/source-hashes.js';
import { FileFacts } from '../resolve/file-facts.js';
import { jailPaths } from '../root/staging.js';
import { readFileFacts, readSourceHashes, writeState } from './state.js';

/** What createPlan and applyPlan share to make a rebuild cheap; see build/state.ts. */
export interface SourceCaches {
  sourceHashes: SourceHashes;
  fileFacts: FileFacts;
}

/**
 * The source sha256s and file facts remembered beside DIR by the last build: a rebuild re-reads
 * only sources whose inode or times moved. `force` (--force) starts empty: every source is read
 * again and the state is recorded afresh, the way out if those records were ever doubted.
 */
export function sourceCaches(dir: string, force = false): SourceCaches {
  const state = jailPaths(dir).state;
  return {
    sourceHashes: new SourceHashes(force ? new Map() : readSourceHashes(state)),
    fileFacts: new FileFacts(force ? new Map() : readFileFacts(state)),
  };
}

/**
 * Where `plan SPEC` (no DIR to keep a state beside) remembers source facts between runs: a
 * private file of the user's cache directory (root: /var/cache/jailsmith), in the state format.
 */
export function planCacheFile(env: NodeJS.ProcessEnv = process.env): string {
  if (process.geteuid?.() === 0) return '/var/cache/jailsmith/plan-state.json';
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'jailsmith', 'plan-state.json');
}

/** The plan cache's sums and facts (empty when absent, not ours, or corrupt: see readState). */
export function loadPlanCaches(file = planCacheFile()): SourceCaches {
  return {
    sourceHashes: new SourceHashes(readSourceHashes(file)),
    fileFacts: new FileFacts(readFileFacts(file)),
  };
}

/**
 * Stores what a plan learnt, when it learnt anything. Best effort: a cache that cannot be written
 * (read-only home, foreign directory) costs the next plan its speed, never its answer.
 */
export function savePlanCaches(caches: SourceCaches, file = planCacheFile()): void {
  if (!caches.sourceHashes.changed && !caches.fileFacts.changed) return;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const st = lstatSync(path.dirname(file));
    if (!st.isDirectory() || st.uid !== process.geteuid?.() || (st.mode & 0o022) !== 0) return;
    writeState(file, {}, caches.sourceHashes.used, caches.fileFacts.used);
  } catch {
    // see above: only speed is lost
  }
}
