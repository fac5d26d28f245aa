import { SpecError } from '../errors.js';
import { createPlan } from '../plan/create-plan.js';
import type { JailPlan } from '../plan/types.js';
import { loadSpec } from '../spec/load.js';
import { buildTraced } from '../trace/makejail.js';
import { applyPlan } from './apply.js';
import { parsePlanText, readText } from './plan-file.js';
import { savePlanCaches, sourceCaches } from './source-caches.js';
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
  const text = readText(specFile);
  const saved = parsePlanText(text, specFile);
  if (saved !== null) return applyPlan(checkSaved(saved, specFile, opts), dir, opts);
  const spec = await loadSpec(specFile, {
    ...(opts.root === undefined ? {} : { root: opts.root }),
    qemuStatic: opts.qemuStatic === true,
  });
  // trace: makejail's loop builds, runs the commands inside the jail and rebuilds with what they missed
  if (spec.trace.length > 0) return (await buildTraced(spec, dir, opts)).build;
  // Source hashes and file facts remembered beside DIR: a rebuild re-reads only sources whose
  // inode or times moved. --force reads every source again and records afresh.
  const caches = sourceCaches(dir, opts.force === true);
  const result = await applyPlan(await createPlan(spec, caches), dir, { ...opts, ...caches });
  savePlanCaches(caches);
  return result;
}

function checkSaved(plan: JailPlan, specFile: string, opts: BuildJailOptions): JailPlan {
  if (opts.root !== undefined) {
    throw new SpecError('PLAN_ROOT', '--root applies to specs; a saved plan already names its source', {
      path: specFile,
    });
  }
  if (opts.qemuStatic === true) {
    throw new SpecError('PLAN_QEMU_STATIC', '--qemu-static applies to specs; plan with it instead', {
      path: specFile,
      hint: 'jailsmith plan SPEC --qemu-static --json > PLAN',
    });
  }
  return plan;
}
