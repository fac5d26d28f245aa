import type { SpecPart } from './normalize.js';

function keyOf(item: unknown): string {
  if (typeof item === 'string') return item;
  const o = item as Partial<{ path: string; name: string }>;
  return o.path ?? o.name ?? JSON.stringify(item);
}

/** Concatenates two lists; an item whose key (path, name or value) repeats replaces the earlier one in place. */
function mergeList<T>(a: T[] | undefined, b: T[] | undefined): T[] | undefined {
  if (!b) return a;
  if (!a) return dedupe(b);
  return dedupe([...a, ...b]);
}

function dedupe<T>(items: T[]): T[] {
  const at = new Map<string, number>();
  const out: T[] = [];
  for (const item of items) {
    const k = keyOf(item);
    const i = at.get(k);
    if (i === undefined) {
      at.set(k, out.length);
      out.push(item);
    } else {
      out[i] = item;
    }
  }
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Maps merge key by key, recursively; anything else: the later value wins. */
function mergeMap<T>(a: T | undefined, b: T | undefined): T | undefined {
  if (b === undefined) return a;
  if (!isPlain(a) || !isPlain(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = mergeMap(out[k], v);
  return out as T;
}

const lists = [
  'binaries',
  'files',
  'trees',
  'exclude',
  'profiles',
  'packages',
  'users',
  'groups',
  'devices',
  'dirs',
  'symlinks',
  'trace',
  'keepSetuid',
] as const;

/** `b` merged over `a`: lists concatenated and de-duplicated, maps merged, later scalars win. */
export function mergeParts(a: SpecPart, b: SpecPart): SpecPart {
  const out: SpecPart = { ...a };
  if (b.name !== undefined) out.name = b.name;
  if (b.source !== undefined) out.source = b.source;
  if (b.dependencies !== undefined) out.dependencies = b.dependencies;
  if (b.docs !== undefined) out.docs = b.docs;
  if (b.qemuStatic !== undefined) out.qemuStatic = b.qemuStatic;
  if (b.discover !== undefined) out.discover = b.discover;
  if (b.capabilities !== undefined) out.capabilities = { ...a.capabilities, ...b.capabilities };
  for (const k of lists) {
    const merged = mergeList<unknown>(a[k] as unknown[] | undefined, b[k] as unknown[] | undefined);
    if (merged) (out as Record<string, unknown>)[k] = merged;
  }
  if (b.where) out.where = { ...a.where, ...b.where };
  const run = mergeMap(a.run, b.run);
  if (run) out.run = run;
  if (b.audit) out.audit = { allow: mergeList(a.audit?.allow, b.audit.allow) ?? [] };
  return out;
}
