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
export type { BindMount, PolicyBind, RunLimits, RunPolicy, TmpfsMount, UidRange } from './types.js';
