import picomatch from 'picomatch';
import { type ErrorCode, PlanError, SpecError } from '../errors.js';
import type { Resolver, SourceRoot } from '../resolve/index.js';
import type { JailSpec } from '../spec/index.js';
import type { PlanEntry } from './types.js';

/**
 * Who put an entry there decides who wins a clash: a generated account file beats anything (the
 * host's passwd never enters), what the spec states beats a profile's default (a spec's own
 * /etc/hosts over nss-files' one), which beats what was copied, and a copied directory beats a
 * parent directory made only to hold something.
 */
export const Rank = { parent: 0, copied: 1, profile: 2, stated: 3, generated: 4 } as const;
export type Rank = (typeof Rank)[keyof typeof Rank];

interface Slot {
  entry: PlanEntry;
  rank: Rank;
  origin: string;
}

/** Identity of a copied file's source, for hard links and hashing. */
export interface SourceInfo {
  dev: number;
  ino: number;
  nlink: number;
  /** The source's stat key when planned (resolve/file-facts.ts): finds its remembered sha256. */
  key?: string;
}

/** The state collectors add to. One per createPlan call. */
export class PlanContext {
  readonly spec: JailSpec;
  readonly root: SourceRoot;
  readonly resolver: Resolver;
  readonly notes = new Set<string>();
  /** nsswitch.conf databases → sources, in the order profiles named them. */
  readonly nsswitch = new Map<string, string[]>();
  /** Extra exclude globs contributed by profiles. */
  readonly extraExcludes: string[] = [];
  readonly sources = new Map<string, SourceInfo>();
  /** Host paths taken from the host itself, not the source root (the plan's hostSources). */
  readonly hostSources = new Set<string>();
  private readonly slots = new Map<string, Slot>();
  private excludeMatcher: ((p: string) => boolean) | undefined;
  private readonly keepMatcher: (p: string) => boolean;

  constructor(spec: JailSpec, root: SourceRoot, resolver: Resolver) {
    this.spec = spec;
    this.root = root;
    this.resolver = resolver;
    this.keepMatcher = spec.keepSetuid.length > 0 ? picomatch(spec.keepSetuid, { dot: true }) : () => false;
  }

  /** Adds or merges an entry; a clash between equals of different content is an error. */
  add(entry: PlanEntry, rank: Rank, origin: string): void {
    const had = this.slots.get(entry.path);
    if (!had || rank > had.rank) {
      this.slots.set(entry.path, { entry, rank, origin });
      return;
    }
    if (rank < had.rank || sameEntry(had.entry, entry)) return;
    if (had.entry.type === 'dir' && entry.type === 'dir' && rank !== Rank.stated) return;
    throw new PlanError(
      'PLAN_CONFLICT',
      `${entry.path} is planned twice with different content: as ${describe(had.entry)} (${had.origin}) and as ${describe(entry)} (${origin})`,
      { path: entry.path, hint: 'remove one of the two, or exclude the copied one' },
    );
  }

  /** Why the entry at `path` is planned: the origin of the slot that won. */
  whyOf(path: string): string | undefined {
    return this.slots.get(path)?.origin;
  }

  has(path: string): boolean {
    return this.slots.has(path);
  }

  get(path: string): PlanEntry | undefined {
    return this.slots.get(path)?.entry;
  }

  entries(): PlanEntry[] {
    return [...this.slots.values()].map((s) => s.entry);
  }

  replace(entry: PlanEntry): void {
    const s = this.slots.get(entry.path);
    if (s) s.entry = entry;
  }

  excluded(path: string): boolean {
    if (!this.excludeMatcher) {
      const globs = [...this.spec.exclude, ...this.extraExcludes];
      this.excludeMatcher = globs.length > 0 ? oneRegex(globs) : () => false;
    }
    return this.excludeMatcher(path);
  }

  /** Clears the cached matcher after profiles add excludes. */
  excludesChanged(): void {
    this.excludeMatcher = undefined;
  }

  keepsSetuid(path: string): boolean {
    return this.keepMatcher(path);
  }

  /** Where in the spec a value was written, for error paths. */
  where(key: string, value: string): string {
    return this.spec.where?.[`${key}:${value}`] ?? this.spec.origin[0] ?? this.spec.name;
  }

  specError(code: ErrorCode, message: string, key: string, value: string, hint?: string): SpecError {
    return new SpecError(code, message, {
      path: this.where(key, value),
      ...(hint === undefined ? {} : { hint }),
      details: { key, value },
    });
  }
}

function describe(e: PlanEntry): string {
  switch (e.type) {
    case 'file':
      return `a copy of ${e.source}`;
    case 'symlink':
      return `a link to ${e.target}`;
    case 'hardlink':
      return `a hard link to ${e.target}`;
    case 'device':
      return `a ${e.device} device ${e.major},${e.minor}`;
    default:
      return `a ${e.type}`;
  }
}

/** Entries are flat records of primitives: equal when they have the same fields with the same values. */
function sameEntry(a: PlanEntry, b: PlanEntry): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  return keys.every((k) => x[k] === y[k]);
}

/**
 * Every glob compiled into one regular expression: the plan asks about each path of every tree,
 * and one test of one RegExp costs far less than picomatch's matcher per glob.
 */
function oneRegex(globs: string[]): (p: string) => boolean {
  const re = new RegExp(globs.map((g) => `(?:${picomatch.makeRe(g, { dot: true }).source})`).join('|'));
  return (p) => re.test(p);
}
