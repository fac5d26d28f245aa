import { RootError } from '../errors.js';
import type { DirEntry, PlanEntry } from '../plan/index.js';
import { checkJailPath } from '../root/index.js';

/**
 * The plan's entries completed the way the writer completes them: a root entry and every parent
 * the plan left implicit (root-owned 0755), so comparing with a jail on disk and writing one agree.
 * Also the place where paths are checked once and duplicates refused.
 */
export function completeEntries(entries: PlanEntry[]): PlanEntry[] {
  const seen = new Set<string>();
  const out: PlanEntry[] = [];
  const implicit = (p: string): DirEntry => ({ type: 'dir', path: p, mode: 0o755, uid: 0, gid: 0 });
  if (!entries.some((e) => e.path === '/')) {
    out.push(implicit('/'));
    seen.add('/');
  }
  const addParents = (p: string): void => {
    const i = p.lastIndexOf('/');
    const parent = i <= 0 ? '/' : p.slice(0, i);
    if (seen.has(parent)) return;
    addParents(parent);
    seen.add(parent);
    out.push(implicit(parent));
  };
  for (const e of entries) {
    checkJailPath(e.path);
    if (seen.has(e.path)) throw new RootError('ROOT_PLAN_DUPLICATE', 'path planned twice', { path: e.path });
    if (e.path !== '/') addParents(e.path);
    seen.add(e.path);
    out.push(e);
  }
  return out;
}

export function preservedDirs(entries: PlanEntry[]): DirEntry[] {
  return entries.filter((e): e is DirEntry => e.type === 'dir' && e.preserve === true);
}
