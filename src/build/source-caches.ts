import { SourceHashes } from '../plan/source-hashes.js';
import { FileFacts } from '../resolve/file-facts.js';
import { jailPaths } from '../root/staging.js';
import { readFileFacts, readSourceHashes } from './state.js';

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
