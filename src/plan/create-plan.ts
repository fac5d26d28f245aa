import { PlanError } from '../errors.js';
import type { FileFacts, Resolver } from '../resolve/index.js';
import { SourceRoot } from '../resolve/index.js';
import type { JailSpec } from '../spec/index.js';
import { applyCapabilities, capabilityNotes } from './capabilities.js';
import type { Collector } from './collector.js';
import { defaultCollectors } from './collectors.js';
import { PlanContext } from './context.js';
import { Copier } from './copy.js';
import { defaultResolver } from './default-resolver.js';
import { addParents, addProvenance, hashFiles, linkHardlinks, sortEntries } from './finalize.js';
import type { SourceHashes } from './source-hashes.js';
import type { JailPlan } from './types.js';

export interface CreatePlanOptions {
  /** Resolver for ELF closures (default: createResolver over the source root). */
  resolver?: Resolver;
  /** Source root overriding spec.source. */
  root?: string;
  /** The content sources, in order (default: defaultCollectors). */
  collectors?: Collector[];
  /** Source sha256s remembered from an earlier run (build keeps them beside DIR); updated in place. */
  sourceHashes?: SourceHashes;
  /**
   * What each source file is (ELF and what it needs, a script, neither), remembered by stat key
   * from an earlier run; updated in place. Unused when `resolver` is given.
   */
  fileFacts?: FileFacts;
}

const DOCS = ['/usr/share/doc/**', '/usr/share/man/**', '/usr/share/info/**'];

/**
 * Turns a spec into the ordered list of what the jail holds. Reads only the source root (never a
 * jail), so it is the dry run that build, script and pack all consume.
 */
export async function createPlan(spec: JailSpec, opts: CreatePlanOptions = {}): Promise<JailPlan> {
  const root = SourceRoot.open(opts.root ?? spec.source);
  const resolver = opts.resolver ?? (await defaultResolver(root, opts.fileFacts));
  const ctx = new PlanContext(spec, root, resolver);
  if (!spec.docs) ctx.extraExcludes.push(...DOCS);
  const copier = new Copier(ctx);
  const collectors = opts.collectors ?? defaultCollectors;
  // A key no collector reads would be dropped silently: refuse instead.
  for (const key of ['packages', 'trace'] as const) {
    if (spec[key].length > 0 && !collectors.some((c) => c.name === key)) {
      throw new PlanError('PLAN_UNSUPPORTED', `this build cannot plan "${key}" yet (no ${key} collector)`, {
        path: spec.origin[0],
        hint: `remove ${key} from the spec, or list the files under files/trees`,
      });
    }
  }
  for (const c of collectors) {
    await c.collect(ctx, copier);
    await copier.drain();
  }
  addParents(ctx);
  const entries = linkHardlinks(ctx, sortEntries(ctx.entries()));
  hashFiles(entries, opts.sourceHashes, ctx);
  addProvenance(ctx, entries);
  applyCapabilities(ctx, entries);
  capabilityNotes(ctx, entries);
  return {
    format: 1,
    name: spec.name,
    source: root.dir,
    entries,
    ...(ctx.hostSources.size > 0 ? { hostSources: [...ctx.hostSources].sort() } : {}),
    notes: [...ctx.notes].sort(),
    run: spec.run,
    audit: spec.audit,
  };
}
