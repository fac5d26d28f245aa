export { accountGroups, accountUsers, groupText, nsswitchText, passwdText, shadowText } from './accounts.js';
export { collectBinaries, lookupBinary } from './collect-binaries.js';
export { profileConditions } from './collect-profiles.js';
export { type TraceCollectorOptions, traceCollector, traceLabel } from './collect-trace.js';
export type { Collector } from './collector.js';
export { defaultCollectors } from './collectors.js';
export { PlanContext, Rank } from './context.js';
export { Copier, type CopyOptions, type ResolveMode } from './copy.js';
export { type CreatePlanOptions, createPlan } from './create-plan.js';
export { sortEntries } from './finalize.js';
export { formatPlanText } from './format.js';
export { generatedFile } from './generated.js';
export {
  loadPlanOrSpec,
  type PlanOrSpec,
  type PlanOrSpecOptions,
  parsePlanText,
} from './plan-file.js';
export { loadProfile, type Profile, type ProfileNeed } from './profile-data.js';
export { SourceHashes } from './source-hashes.js';
export { type PlanSummary, summarizePlan } from './summary.js';
export type * from './types.js';
export type { JailPlan } from './types.js';
