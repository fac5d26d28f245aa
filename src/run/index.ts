export { jobChain, KEPT_BOUNDING, namespaceArgv, prlimitArgs } from './chain.js';
export { hostTools } from './host-tools.js';
export { lookupUser, openJail, parsePasswd, resolveCommand } from './jail-dir.js';
export { parseBind, parseEnv, parseLimits, parseSeconds, parseSize } from './parse.js';
export { prepareRun } from './prepare.js';
export { parseTimeReport, runJail } from './run-jail.js';
export { refuseUnsafeJail } from './safety.js';
export type { BindMount, RunLimits, RunOptions, RunResult } from './types.js';
