export { checkAncestors, ensureAncestors, isSafeDir } from './ancestors.js';
export { makeDev } from './devices.js';
export { EntrySink } from './entry-sink.js';
export { checkJailPath, isWithin, under } from './jail-path.js';
export {
  makeJailDir,
  readJailFile,
  removeEmptyJailDir,
  removeJailFile,
  removeJailTree,
  replaceJailFile,
} from './live-edit.js';
export type { PreservedDir } from './preserve.js';
export { acquireLock, type JailPaths, jailPaths } from './staging.js';
export { JailTarget, type TargetOptions } from './target.js';
export type { StagedStat, WriteProgress } from './writer.js';
