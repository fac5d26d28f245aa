import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyPlan, buildJail } from '../build/index.js';
import { errnoCode, UsageError } from '../errors.js';
import type { JailPlan } from '../plan/index.js';
import { createPlan, loadPlanOrSpec } from '../plan/index.js';
import {
  policyFromSpec,
  policyOfPlan,
  type RunPolicy,
  readPolicyRecord,
  shippedPolicy,
} from '../policy/index.js';

export interface PackSource {
  /** The jail tree to pack. */
  dir: string;
  /** Jail name (spec name or directory base name). */
  name: string;
  /** The run policy it carries: the spec's run: block, or what the jail directory recorded. */
  policy: RunPolicy;
  /** The plan the jail was built from (spec or saved plan SOURCE): the setup script is made from it. */
  plan?: JailPlan;
  /** Removes a temporary build. */
  cleanup(): void;
}

/**
 * SOURCE as given on the command line: a jail directory is packed as it stands, with the run
 * policy it recorded when built or installed; a spec or saved plan is first built into a private
 * temp dir with buildJail (from `root` instead of the spec's source when given).
 */
export async function openPackSource(source: string, opts: { root?: string } = {}): Promise<PackSource> {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(source);
  } catch (e) {
    throw new UsageError('PACK_SOURCE', `cannot read source: ${errnoCode(e) ?? e}`, { path: source });
  }
  if (st.isDirectory()) {
    const name = path.basename(path.resolve(source)) || 'jail';
    if (opts.root !== undefined)
      throw new UsageError('PACK_ROOT', '--root applies to a spec; a jail directory is packed as it is', {
        path: source,
      });
    return { dir: source, name, policy: readPolicyRecord(source) ?? {}, cleanup() {} };
  }
  if (!st.isFile()) {
    throw new UsageError('PACK_SOURCE', 'source is neither a jail directory nor a spec file', {
      path: source,
    });
  }
  const src = await loadPlanOrSpec(source, opts.root === undefined ? {} : { root: opts.root });
  if (src.kind === 'plan' && opts.root !== undefined)
    throw new UsageError('PACK_ROOT', '--root applies to a spec; a saved plan names its source', {
      path: source,
    });
  const saved = src.kind === 'plan' ? src.plan : undefined;
  const spec = src.kind === 'spec' ? src.spec : undefined;
  // A traced spec's plan grows while it builds, so its setup script is made from the result.
  const plan = saved ?? (spec && spec.trace.length === 0 ? await createPlan(spec) : undefined);
  // 0700 and ours: nobody else can reach the build, though /tmp itself is world-writable.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jailsmith-pack-'));
  const dir = path.join(tmp, 'jail');
  try {
    if (plan) await applyPlan(plan, dir, { unsafeAncestors: true });
    else
      await buildJail(source, dir, {
        unsafeAncestors: true,
        ...(opts.root === undefined ? {} : { root: opts.root }),
      });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const name = plan?.name ?? spec?.name ?? path.basename(source).replace(/\.(ya?ml|json)$/, '');
  return {
    dir,
    name,
    policy: spec ? shippedPolicy(policyFromSpec(spec, source)) : plan ? policyOfPlan(plan) : {},
    plan,
    cleanup: () => rmSync(tmp, { recursive: true, force: true }),
  };
}
