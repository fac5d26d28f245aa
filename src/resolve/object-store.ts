import { lstatSync } from 'node:fs';
import type { ElfInfo } from '../elf/index.js';
import { type Sniffed, sniffFile } from '../elf/index.js';
import { ElfError, errnoCode, isJailError, ResolveError } from '../errors.js';
import { type FileFact, type FileFacts, factKey, settled } from './file-facts.js';
import type { RealPath, SourceRoot } from './source-root.js';

/** A file found in the root: the path asked for, where it really is, and what it is. */
export interface Found {
  /** The in-root path as the loader would open it. */
  path: string;
  real: RealPath;
  sniffed: Sniffed;
}

/**
 * Caches what each real file is (parsed once per real path) and each path lookup, so that
 * resolving hundreds of programs that share libraries reads every library once.
 */
export class ObjectStore {
  private readonly byReal = new Map<string, Sniffed | Error>();
  private readonly lookups = new Map<string, Found | null>();

  /** `facts`: what earlier runs learnt about files by stat key; read first, added to on a miss. */
  constructor(
    readonly root: SourceRoot,
    private readonly facts?: FileFacts,
  ) {}

  /** Sniffs the file at a real in-root path; errors (malformed ELF, EACCES) are cached and rethrown. */
  sniffReal(real: string): Sniffed {
    let s = this.byReal.get(real);
    if (s === undefined) {
      const meta = this.root.meta(real);
      const kind = meta?.kind;
      try {
        // Only regular files are opened: a FIFO or a terminal could block the read.
        s =
          kind === 'dir'
            ? { kind: 'dir' }
            : kind !== 'file' || meta === undefined
              ? { kind: 'other' }
              : (this.facts?.get(meta.key) ?? this.sniff(real, meta.key));
      } catch (e) {
        s = e instanceof Error ? e : new Error(String(e));
      }
      this.byReal.set(real, s);
    }
    if (s instanceof Error) throw s;
    return s;
  }

  /**
   * Reads the file; remembers what it is only when its key held from the lookup's lstat until
   * after the read (nothing changed it meanwhile) and its last change is not racy.
   */
  private sniff(real: string, key: string): Sniffed {
    const host = this.root.hostOfReal(real);
    const s = sniffFile(host, real);
    if (this.facts && s.kind !== 'dir') {
      const after = lstatSync(host, { bigint: true, throwIfNoEntry: false });
      if (after?.isFile() && factKey(after) === key && settled(after)) this.facts.set(key, s as FileFact);
    }
    return s;
  }

  /**
   * Looks a path up for the loader's search: null when it is absent, a loop, a directory or
   * unreadable, so the search moves on. Cached per path.
   */
  lookup(path: string): Found | null {
    let f = this.lookups.get(path);
    if (f !== undefined) return f;
    f = null;
    try {
      const real = this.root.realpath(path);
      if (real) {
        const sniffed = this.sniffReal(real.path);
        if (sniffed.kind !== 'dir') f = { path: this.display(path), real, sniffed };
      }
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      // Malformed or unreadable candidates are skipped like the loader skips files it cannot use.
    }
    this.lookups.set(path, f);
    return f;
  }

  /** A path with '.' or '..' is shown with its directory resolved, as the loader's '..' works. */
  private display(p: string): string {
    if (!/(^|\/)\.\.?(\/|$)/.test(p)) return p;
    const dir = this.root.realpath(p.slice(0, p.lastIndexOf('/')) || '/');
    const base = p.slice(p.lastIndexOf('/') + 1);
    return dir ? (dir.path === '/' ? `/${base}` : `${dir.path}/${base}`) : p;
  }

  /**
   * Opens a file the user named: every problem is an input error naming the file.
   */
  open(path: string): Found {
    const real = this.root.realpath(path);
    if (!real)
      throw new ResolveError('FILE_NOT_FOUND', 'no such file in the root', {
        path,
        details: { root: this.root.dir },
      });
    let sniffed: Sniffed;
    try {
      sniffed = this.sniffReal(real.path);
    } catch (e) {
      if (e instanceof ElfError) throw new ElfError(e.code, e.message, { path, details: e.details });
      if (isJailError(e)) throw e;
      throw new ResolveError('FILE_UNREADABLE', `cannot read file: ${errnoCode(e) ?? String(e)}`, { path });
    }
    if (sniffed.kind === 'dir') throw new ResolveError('NOT_A_FILE', 'is a directory, not a file', { path });
    return { path, real, sniffed };
  }
}

/** The ELF info of a found file, or null when it is not ELF. */
export function elfOf(f: Found): ElfInfo | null {
  return f.sniffed.kind === 'elf' ? f.sniffed.elf : null;
}
