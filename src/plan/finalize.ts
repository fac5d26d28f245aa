import { PlanError } from '../errors.js';
import { type PlanContext, Rank } from './context.js';
import { SourceHashes } from './source-hashes.js';
import type { PlanEntry } from './types.js';

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** Every ancestor gets a directory entry (0755 root); none may be a planned symlink or file. */
export function addParents(ctx: PlanContext): void {
  for (const e of ctx.entries()) {
    for (let p = parentOf(e.path); ; p = parentOf(p)) {
      const have = ctx.get(p);
      if (!have)
        ctx.add({ type: 'dir', path: p, mode: 0o755, uid: 0, gid: 0 }, Rank.parent, `parent of ${e.path}`);
      else if (have.type !== 'dir') {
        throw new PlanError(
          'PLAN_CONFLICT',
          `${e.path} lies under ${p}, which the jail holds as a ${have.type}${have.type === 'symlink' ? ` to ${have.target}` : ''}`,
          { path: e.path, hint: 'name the path the link points to instead' },
        );
      }
      if (p === '/') break;
    }
  }
}

/** Writes each entry's provenance (the origin of the slot that won) onto it, last so it never decides a clash. */
export function addProvenance(ctx: PlanContext, entries: PlanEntry[]): void {
  for (const e of entries) {
    const why = ctx.whyOf(e.path);
    if (why !== undefined) e.why = why;
  }
}

/** Files that share an inode in the source become hard links to the first of them (bytewise). */
export function linkHardlinks(ctx: PlanContext, entries: PlanEntry[]): PlanEntry[] {
  const first = new Map<string, string>();
  return entries.map((e) => {
    const src = e.type === 'file' ? ctx.sources.get(e.path) : undefined;
    if (!src || src.nlink < 2 || e.type !== 'file') return e;
    const key = `${src.dev}:${src.ino}`;
    const target = first.get(key);
    if (target === undefined) {
      first.set(key, e.path);
      return e;
    }
    const link: PlanEntry = { type: 'hardlink', path: e.path, target, mode: e.mode, uid: e.uid, gid: e.gid };
    return link;
  });
}

/**
 * Fills every copied file's sha256 from its source. Synchronous through one reused buffer: the
 * files are mostly in the page cache, and a fresh buffer per file cost more in GC than the reads.
 */
export function hashFiles(
  entries: PlanEntry[],
  hashes: SourceHashes = new SourceHashes(),
  ctx?: PlanContext,
): void {
  // The key from the plan's own lstat of the source: a remembered sum costs no second stat.
  for (const e of entries)
    if (e.type === 'file') e.sha256 = hashes.sha256(e.source, ctx?.sources.get(e.path)?.key);
}

/** Bytewise order of the UTF-8 paths: every parent precedes its children. */
export function sortEntries(entries: PlanEntry[]): PlanEntry[] {
  return entries
    .map((e) => ({ e, k: Buffer.from(e.path) }))
    .sort((a, b) => Buffer.compare(a.k, b.k))
    .map((x) => x.e);
}
