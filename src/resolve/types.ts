import type { FileFacts } from './file-facts.js';

/**
 * The resolver's contract, shared by deps, plan, audit (missing-library) and target-distro work.
 * All paths are in-root absolute paths.
 */
export interface ResolveOptions {
  /** Host directory holding the source root; default '/'. */
  root?: string;
  /**
   * Which glibc-hwcaps / legacy platform subdirectories count: 'host' picks as this CPU would
   * (only for a root of the host's architecture), 'baseline' none, or an explicit list such as
   * ['x86-64-v3', 'x86-64-v2'].
   */
  hwcaps?: 'host' | 'baseline' | string[];
  /** $PLATFORM value override (default from the architecture). */
  platform?: string;
  /** What earlier runs learnt about each file by stat key (ELF or not, what it needs); added to. */
  facts?: FileFacts;
}

export interface Dependencies {
  /** PT_INTERP as found in the root (or a script's interpreter), null for a static file or a shared library. */
  interpreter: string | null;
  /** Every object the loader would open, interpreter included, the file itself excluded, sorted. */
  closure: string[];
  /** Sonames (or paths) that could not be found. */
  missing: string[];
  /**
   * Everything a jail must hold for the file to run: the closure, each symlink met on the way to
   * it and each symlink's real target, and for scripts the interpreter's files. Sorted, unique.
   */
  files: string[];
  /**
   * Added by the resolver: every DT_NEEDED edge (and a script's interpreter edge) in load order,
   * `from` the requesting object's in-root path, `path` null when not found. deps --tree prints it.
   */
  edges?: DependencyEdge[];
}

export interface DependencyEdge {
  from: string;
  name: string;
  path: string | null;
}

export interface Resolver {
  readonly root: string;
  /**
   * Resolves one file (an in-root path). Throws ElfError/ResolveError for a file that is missing,
   * a directory, or malformed ELF. With `lenient`, a file that is neither ELF nor a `#!` script
   * gives null instead of an error (used when copying whole trees).
   */
  resolve(file: string, opts?: { lenient?: boolean }): Promise<Dependencies | null>;
}
