export { checkPolicy } from './check.js';
export { policyFromSpec } from './from-spec.js';
export { mergePolicy } from './merge.js';
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
export type { BindMount, PolicyBind, RunLimits, RunPolicy, TmpfsMount, UidRange } from './types.js';
