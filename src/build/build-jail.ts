import { SpecError } from '../errors.js';
import type { JailPlan } from '../plan/types.js';
import { applyPlan } from './apply.js';
import { parsePlanText, readText } from './plan-file.js';
import type { BuildOptions, BuildResult } from './types.js';

export interface BuildJailOptions extends BuildOptions {
  /** Source root overriding the spec's `source` (--root). */
  root?: string;
}

/** Spec (or saved plan) → plan → jail. The spec and plan are checked fully before DIR is touched. */
export async function buildJail(
  specFile: string,
  dir: string,
  opts: BuildJailOptions = {},
): Promise<BuildResult> {
  const plan = await planFor(specFile, opts.root);
  return applyPlan(plan, dir, opts);
}

async function planFor(specFile: string, root: string | undefined): Promise<JailPlan> {
  const text = readText(specFile);
  const saved = parsePlanText(text, specFile);
  if (saved !== null) {
    if (root !== undefined) {
      throw new SpecError('PLAN_ROOT', '--root applies to specs; a saved plan already names its source', {
        path: specFile,
      });
    }
    return saved;
  }
  throw new SpecError(
    'SPEC_UNSUPPORTED',
    'building from a YAML spec needs the spec module (not landed yet)',
    {
      path: specFile,
      hint: 'pass a plan saved with `jailsmith plan SPEC --json`',
    },
  );
}
