/**
 * The run policy a jail carries with it: recorded beside DIR when it is built or installed
 * (`.NAME.jailsmith-policy.json`, in the root-owned parent like the state file), packed into
 * packages and images, and used by `jailsmith run DIR` by default. A carried policy names binds
 * by their jail path only: host sources are given where the job runs.
 */
import { closeSync, fstatSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { RunError } from '../errors.js';
import type { JailPlan } from '../plan/index.js';
import { jailPaths } from '../root/index.js';
import type { JailSpec } from '../spec/index.js';
import { openNoFollow, selfUid, writableOnlyBy } from '../sys/own-file.js';
import { checkPolicy } from './check.js';
import { policyFromSpec } from './from-spec.js';
import type { RunPolicy } from './types.js';

/** The policy as it travels: binds without host sources, keys in a fixed order (stable bytes). */
export function shippedPolicy(p: RunPolicy): RunPolicy {
  const out: RunPolicy = {};
  const keys = Object.keys(p).sort() as (keyof RunPolicy)[];
  for (const k of keys) {
    if (p[k] === undefined) continue;
    if (k === 'binds') out.binds = (p.binds ?? []).map((b) => ({ target: b.target, readOnly: b.readOnly }));
    else (out as Record<string, unknown>)[k] = p[k];
  }
  return out;
}

/** A plan's run: block (and audit allow rules) as the policy a built jail records. */
export function policyOfPlan(plan: Pick<JailPlan, 'run' | 'audit'>): RunPolicy {
  const spec = { run: plan.run ?? {}, audit: { allow: plan.audit?.allow ?? [] } } as unknown as JailSpec;
  // Bind sources are dropped, so the base path they would be resolved against does not matter.
  return shippedPolicy(policyFromSpec(spec, '/'));
}

/**
 * Writes the record (a new file renamed over the old). 0644: a policy is no secret, and a user's
 * rootless run of a jail root built must read it.
 */
export function writePolicyRecord(dir: string, policy: RunPolicy): void {
  const file = jailPaths(dir).policy;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(shippedPolicy(policy), null, 2)}\n`, { mode: 0o644, flag: 'w' });
  renameSync(tmp, file);
}

/**
 * The jail's recorded policy, or undefined when it has none (built before records existed, or
 * never built by jailsmith). A record that is not ours (owner, group/world-writable, a link) or
 * does not parse is an error: running with a silently dropped policy would be a downgrade. Ours
 * means owned by root or by the caller, writable by nobody else.
 */
export function readPolicyRecord(dir: string): RunPolicy | undefined {
  const file = jailPaths(dir).policy;
  let fd: number;
  try {
    fd = openNoFollow(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RunError('RUN_POLICY_RECORD', `cannot read the jail's run policy: ${(e as Error).message}`, {
      path: file,
    });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || !writableOnlyBy(st, [0, selfUid()])) {
      throw new RunError(
        'RUN_POLICY_RECORD',
        'the run policy record is not a file only root or you can write',
        {
          path: file,
        },
      );
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(fd, 'utf8'));
    } catch {
      raw = undefined;
    }
    const p = checkPolicy(raw);
    if (typeof p === 'string') throw new RunError('RUN_POLICY_RECORD', p, { path: file });
    return p;
  } finally {
    closeSync(fd);
  }
}
