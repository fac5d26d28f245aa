import { ResolveError } from '../errors.js';
import { ROOT_PATH_DIRS } from '../sys/index.js';
import { RootConfig } from './arch-env.js';
import { ClosureWalker, type Edge } from './closure.js';
import { elfOf, type Found, ObjectStore } from './object-store.js';
import { parseShebang } from './shebang.js';
import { normalizeInRoot, SourceRoot } from './source-root.js';
import type { Dependencies, ResolveOptions, Resolver } from './types.js';

/** Linux follows at most this many nested `#!` interpreters. */
const MAX_SCRIPT_DEPTH = 4;
/** resolveFound's answer for a lenient look at a data file (null already means "no interpreter"). */
const NOT_PROGRAM = Symbol('not a program');

/** Opens the source root and returns a resolver that shares what it learns across files. */
export async function createResolver(opts: ResolveOptions = {}): Promise<Resolver> {
  return createResolverSync(opts);
}

/** The same, synchronously (everything it does is synchronous file I/O). */
export function createResolverSync(opts: ResolveOptions = {}): LoaderResolver {
  return new LoaderResolver(SourceRoot.open(opts.root ?? '/'), opts);
}

export class LoaderResolver implements Resolver {
  readonly root: string;
  readonly source: SourceRoot;
  private readonly store: ObjectStore;
  private readonly walker: ClosureWalker;

  constructor(source: SourceRoot, opts: ResolveOptions) {
    this.source = source;
    this.root = source.dir;
    this.store = new ObjectStore(source, opts.facts);
    this.walker = new ClosureWalker(new RootConfig(source, opts), this.store);
  }

  async resolve(file: string, opts: { lenient?: boolean } = {}): Promise<Dependencies | null> {
    return this.resolveSync(file, opts);
  }

  resolveSync(file: string, opts: { lenient?: boolean } = {}): Dependencies | null {
    const f = this.store.open(normalizeInRoot(file));
    const acc = new Acc();
    acc.addFound(f);
    const r = this.resolveFound(f, acc, 0, opts.lenient ?? false);
    if (r === NOT_PROGRAM) return null;
    return {
      interpreter: r,
      closure: [...acc.closure].sort(),
      missing: [...acc.missing].sort(),
      files: [...acc.files].sort(),
      edges: acc.edges,
    };
  }

  /**
   * Adds f's closure to acc; returns the interpreter (null for static files and shared libraries),
   * or NOT_PROGRAM for a file that is neither ELF nor a script when lenient.
   */
  private resolveFound(
    f: Found,
    acc: Acc,
    depth: number,
    lenient: boolean,
  ): string | null | typeof NOT_PROGRAM {
    const s = f.sniffed;
    if (s.kind === 'elf') {
      const c = this.walker.walk(f, s.elf);
      if (c.interpreter) {
        acc.closure.add(c.interpreter.path);
        acc.addFound(c.interpreter);
      }
      if (c.missingInterpreter) acc.missing.add(c.missingInterpreter);
      for (const o of c.objects) {
        acc.closure.add(o.path);
        acc.addFound(o);
      }
      for (const m of c.missing) acc.missing.add(m);
      acc.edges.push(...c.edges);
      return s.elf.interpreter;
    }
    if (s.kind === 'script') {
      const sb = parseShebang(s.line);
      if (!sb) throw new ResolveError('BAD_SHEBANG', 'empty #! line', { path: f.path });
      if (depth >= MAX_SCRIPT_DEPTH)
        throw new ResolveError('SCRIPT_DEPTH', 'too many nested #! interpreters', { path: f.path });
      this.addProgram(normalizeInRoot(sb.interpreter), f.path, acc, depth);
      if (sb.envTarget !== null) {
        const target = sb.envTarget.includes('/') ? normalizeInRoot(sb.envTarget) : this.which(sb.envTarget);
        if (target) this.addProgram(target, f.path, acc, depth);
        else acc.missing.add(sb.envTarget);
      }
      return sb.interpreter;
    }
    if (lenient) return NOT_PROGRAM;
    throw new ResolveError('NOT_ELF', 'not an ELF file or #! script', { path: f.path });
  }

  /** A script's interpreter (or env's target): itself, then its own closure. */
  private addProgram(p: string, from: string, acc: Acc, depth: number): void {
    const g = this.store.lookup(p);
    acc.edges.push({ from, name: p, path: g ? g.path : null });
    if (!g || (g.sniffed.kind !== 'elf' && g.sniffed.kind !== 'script')) {
      acc.missing.add(p);
      return;
    }
    acc.closure.add(g.path);
    acc.addFound(g);
    this.resolveFound(g, acc, depth + 1, false);
  }

  /** env's PATH search inside the root. */
  private which(name: string): string | null {
    for (const dir of ROOT_PATH_DIRS) {
      const p = `${dir}/${name}`;
      const g = this.store.lookup(p);
      if (g && (elfOf(g) !== null || g.sniffed.kind === 'script')) return p;
    }
    return null;
  }
}

/** What one resolve() collects. */
class Acc {
  closure = new Set<string>();
  missing = new Set<string>();
  files = new Set<string>();
  edges: Edge[] = [];

  addFound(f: Found): void {
    this.files.add(f.path);
    for (const l of f.real.links) this.files.add(l);
    this.files.add(f.real.path);
  }
}
