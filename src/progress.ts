/**
 * Progress of long work (build, pack, install, audit), reported by the library to whoever asked.
 * Counts are running totals; the callback may be called very often, so it must be cheap.
 */
export interface Progress {
  /** Entries done so far. */
  entries: number;
  /** File content bytes done so far (0 where the work does not read contents). */
  bytes: number;
  /** The item being worked on: a jail path or a directory. */
  current: string;
  /** Entries to do in all, when known up front. */
  totalEntries?: number;
}

export type OnProgress = (p: Progress) => void;
