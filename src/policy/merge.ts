/** Command-line overrides on a RunPolicy, as `run` merges them (policyRunOptions), kept as a policy. */
import type { RunPolicy } from './types.js';

/**
 * `over` wins field by field; limits and env merge key by key; a bind replaces the policy's bind at
 * the same target; tmpfs entries are appended (a later one at the same path replaces an earlier one
 * where the mounts are made).
 */
export function mergePolicy(policy: RunPolicy, over: RunPolicy): RunPolicy {
  const out: RunPolicy = { ...policy, ...over };
  if (policy.limits || over.limits) out.limits = { ...policy.limits, ...over.limits };
  if (policy.env || over.env) out.env = { ...policy.env, ...over.env };
  if (policy.binds || over.binds) {
    out.binds = [
      ...(policy.binds ?? []).filter((b) => !over.binds?.some((o) => o.target === b.target)),
      ...(over.binds ?? []),
    ];
  }
  if (policy.tmpfs || over.tmpfs) out.tmpfs = [...(policy.tmpfs ?? []), ...(over.tmpfs ?? [])];
  return out;
}
