export { checkPolicy } from './check.js';
export { policyFromSpec } from './from-spec.js';
export {
  LIMIT_ALIASES,
  parseBind,
  parseEnv,
  parseLimits,
  parseSeconds,
  parseSize,
  parseTmpfs,
} from './parse.js';
export { policyOfPlan, readPolicyRecord, shippedPolicy, writePolicyRecord } from './record.js';
export { jobCommand, policyRunOptions } from './to-options.js';
export type { BindMount, PolicyBind, RunLimits, RunPolicy, TmpfsMount, UidRange } from './types.js';
