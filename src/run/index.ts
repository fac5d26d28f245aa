export { bwrapArgs, engineArgv, prlimitArgs } from './engine.js';
export { jailStateKey, refuseUnsafeJail } from './gate.js';
export { hostTools } from './host-tools.js';
export { checkWorkdir, jailMountPoint, lookupUser, openJail, resolveCommand } from './jail-dir.js';
export { jobCommand, policyRunOptions } from './policy-options.js';
export {
  DEFAULT_PATH,
  DEFAULT_UID,
  jailDevices,
  type PreparedTmpfs,
  prepareRun,
  tmpfsMounts,
} from './prepare.js';
export { runJail } from './run-jail.js';
export { ociSeccompProfile, seccompProgram } from './seccomp/index.js';
export type { BindMount, LimitHit, RunLimits, RunOptions, RunResult, TmpfsMount, UidRange } from './types.js';
export { checkUidRange, configuredUidRange, DEFAULT_UID_RANGE, holdUid, parseUidRange } from './uid-pool.js';
