export { bwrapArgs, engineArgv, prlimitArgs } from './engine.js';
export { jailStateKey, refuseUnsafeJail } from './gate.js';
export { hostTools } from './host-tools.js';
export { lookupUser, openJail, resolveCommand } from './jail-dir.js';
export { jobCommand, policyRunOptions } from './policy-options.js';
export { prepareRun } from './prepare.js';
export { runJail } from './run-jail.js';
export type { BindMount, LimitHit, RunLimits, RunOptions, RunResult, TmpfsMount, UidRange } from './types.js';
export { checkUidRange, DEFAULT_UID_RANGE, parseUidRange } from './uid-pool.js';
