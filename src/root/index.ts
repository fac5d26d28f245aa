export { checkAncestors, ensureAncestors, isSafeDir } from './ancestors.js';
export { makeDev } from './devices.js';
export { EntrySink } from './entry-sink.js';
export { checkJailPath } from './jail-path.js';
export type { PreservedDir } from './preserve.js';
export { type JailPaths, jailPaths } from './staging.js';
export { JailTarget, type TargetOptions } from './target.js';
