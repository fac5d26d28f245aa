import { jailPaths } from '../root/staging.js';
import { applyPlan } from './apply.js';
import { withInputLog } from './input-log.js';
import { cachedPlan, inputsOf, nowNs, type PlanRequest, savePlan } from './plan-cache.js';
import { sharedCacheDir } from './shared-cache-dir.js';
import { readSourceState } from './state.js';
import type { BuildOptions, BuildResult } from './types.js';

export interface BuildJailOptions extends BuildOptions {
  /** Source root overriding the spec's `source` (--root). */
  root?: string;
  /** --qemu-static: sets the spec's qemu_static. */
  qemuStatic?: boolean;
}

/** Spec (or saved plan) → plan → jail. The spec and plan are checked fully before DIR is touched. */
export async function buildJail(
  specFile: string,
  dir: string,
  opts: BuildJailOptions = {},
): Promise<BuildResult> {
  const req: PlanRequest = { spec: specFile, root: opts.root, qemuStatic: opts.qemuStatic === true };
  const shared = sharedCacheDir();
  // The planner's modules (spec, YAML, resolver, discovery) load only when there is planning to do.
  if (opts.force !== true) {
    const plan = cachedPlan(dir, req, shared);
    if (plan !== null) {
      // Nothing the plan was made from changed: the jail is compared with it as planned. The
      // source records beside DIR are kept as they are (nothing was read to add to them).
      // Read only if the state is written again (applyPlan parsed the file already by then).
      let own: ReturnType<typeof readSourceState> | undefined;
      const kept = () => {
        own ??= readSourceState(jailPaths(dir).state);
        return own;
      };
      return applyPlan(plan, dir, {
        ...opts,
        sourceHashes: {
          get used() {
            return kept().sources;
          },
          changed: false,
        },
        fileFacts: {
          get used() {
            return kept().facts;
          },
          changed: false,
        },
      });
    }
  }
  const { createPlan, loadPlanOrSpec } = await import('../plan/index.js');
  const { savePlanCaches, sourceCaches } = await import('./source-caches.js');
  const { buildTraced } = await import('./traced.js');
  // Source hashes and file facts remembered beside DIR: a rebuild re-reads only sources whose
  // inode or times moved. --force reads every source again and records afresh. Loaded before the
  // input log starts: they are caches of the sources, not something the plan is made from.
  const caches = sourceCaches(dir, opts.force === true);
  const started = nowNs();
  const { value, log } = await withInputLog(async () => {
    const src = await loadPlanOrSpec(specFile, {
      ...(opts.root === undefined ? {} : { root: opts.root }),
      qemuStatic: opts.qemuStatic === true,
    });
    if (src.kind === 'plan' || src.spec.trace.length > 0) return { src, plan: null };
    return { src, plan: await createPlan(src.spec, caches) };
  });
  const { src, plan } = value;
  if (src.kind === 'plan') return applyPlan(src.plan, dir, opts);
  // trace: makejail's loop builds, runs the commands inside the jail and rebuilds with what they missed
  if (plan === null) return (await buildTraced(src.spec, dir, opts)).build;
  const result = await applyPlan(plan, dir, { ...opts, ...caches });
  savePlanCaches(caches);
  // getfattr read the capabilities of the sources in a child process the log does not see.
  const sources = plan.entries.flatMap((e) => (e.type === 'file' ? [e.source] : []));
  savePlan(dir, req, plan, inputsOf(log, sources, started), shared);
  return result;
}
