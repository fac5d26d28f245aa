import { createPlan, loadPlanOrSpec } from '../plan/index.js';
import { applyPlan } from './apply.js';
import { savePlanCaches, sourceCaches } from './source-caches.js';
import { buildTraced } from './traced.js';
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
  const src = await loadPlanOrSpec(specFile, {
    ...(opts.root === undefined ? {} : { root: opts.root }),
    qemuStatic: opts.qemuStatic === true,
  });
  if (src.kind === 'plan') return applyPlan(src.plan, dir, opts);
  const { spec } = src;
  // trace: makejail's loop builds, runs the commands inside the jail and rebuilds with what they missed
  if (spec.trace.length > 0) return (await buildTraced(spec, dir, opts)).build;
  // Source hashes and file facts remembered beside DIR: a rebuild re-reads only sources whose
  // inode or times moved. --force reads every source again and records afresh.
  const caches = sourceCaches(dir, opts.force === true);
  const result = await applyPlan(await createPlan(spec, caches), dir, { ...opts, ...caches });
  savePlanCaches(caches);
  return result;
}
