import type { SourceHashes } from '../plan/index.js';
import type { OnProgress } from '../progress.js';
import type { FileFacts } from '../resolve/index.js';

export interface BuildOptions {
  /** Build even below an ancestor others can write to (--unsafe-ancestors). */
  unsafeAncestors?: boolean;
  /**
   * Rebuild and swap even when nothing changed. buildJail also plans from scratch then: no
   * remembered plan (build/plan-cache.ts), source sha256 or file fact is consulted (every source
   * is read again), and the state and plan beside DIR are written anew (or dropped), the way out
   * if those records were ever doubted. The whole jail is rewritten, capabilities included.
   */
  force?: boolean;
  /** Called as entries are written into the staging tree (not while only comparing). */
  onProgress?: OnProgress;
  /** The source sha256s createPlan used, stored in the state file beside DIR for the next plan. */
  sourceHashes?: Pick<SourceHashes, 'used' | 'changed'>;
  /** What createPlan learnt about each source file (resolve/file-facts.ts), stored beside them. */
  fileFacts?: Pick<FileFacts, 'used' | 'changed'>;
}

/**
 * What a build did, compared with the jail that was there. Every list holds jail paths in
 * bytewise order; a rebuild with nothing new has empty added/changed/removed and leaves DIR as it was.
 */
export interface BuildResult {
  dir: string;
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
  /** True when a new tree was swapped in. */
  written: boolean;
  /** Things the user should know (plan notes, kept or dropped user data, recovered leftovers). */
  notes: string[];
}
