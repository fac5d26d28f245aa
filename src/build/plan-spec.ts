import type { JailPlan } from '../plan/types.js';
import { withInputLog } from './input-log.js';
import { cachedPlan, inputsOf, nowNs, savePlan } from './plan-cache.js';
import { sharedCacheDir } from './shared-cache-dir.js';

export interface PlanSpecOptions {
  /** Source root overriding the spec's `source` (--root). */
  root?: string;
  /** --qemu-static: sets the spec's qemu_static. */
  qemuStatic?: boolean;
}

/**
 * `jailsmith plan SPEC`: the plan of a spec, from the user's shared cache when nothing it was
 * made from changed (build/plan-cache.ts), else planned with the shared source facts and
 * remembered. A spec with `trace:` runs its commands on the host: always planned afresh.
 */
export async function planSpec(specFile: string, opts: PlanSpecOptions = {}): Promise<JailPlan> {
  const req = { spec: specFile, root: opts.root, qemuStatic: opts.qemuStatic === true };
  const shared = sharedCacheDir();
  const hit = shared === null ? null : cachedPlan(null, req, shared);
  if (hit !== null) return hit;
  const [{ loadSpec }, { createPlan }, { loadPlanCaches, savePlanCaches }] = await Promise.all([
    import('../spec/load.js'),
    import('../plan/create-plan.js'),
    import('./source-caches.js'),
  ]);
  const caches = loadPlanCaches();
  const started = nowNs();
  const { value, log } = await withInputLog(async () => {
    const spec = await loadSpec(specFile, {
      ...(opts.root === undefined ? {} : { root: opts.root }),
      qemuStatic: opts.qemuStatic === true,
    });
    return { spec, plan: await createPlan(spec, caches) };
  });
  savePlanCaches(caches);
  if (shared !== null && value.spec.trace.length === 0) {
    const sources = value.plan.entries.flatMap((e) => (e.type === 'file' ? [e.source] : []));
    savePlan(null, req, value.plan, inputsOf(log, sources, started), shared);
  }
  return value.plan;
}
