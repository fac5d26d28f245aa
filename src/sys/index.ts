/**
 * The operating system's formats and path rules, in one place so that every security decision
 * built on them has one implementation to fix: account files, the xattr dump format, mountinfo,
 * octal escapes and modes, PATH and globs inside a root, atomic writes. A leaf: imports no folder.
 */
export {
  type AccountRecord,
  accountRecords,
  type GroupEntry,
  groupLine,
  idField,
  isUsableHash,
  type PasswdEntry,
  parseGroup,
  parsePasswd,
  parseShadow,
  passwdLine,
  type ShadowEntry,
  shadowLine,
} from './accounts.js';
export { type AtomicWriteOptions, atomicTempName, writeFileAtomic } from './atomic-write.js';
export { CAP_NAMES } from './cap-names.js';
export { capabilityFromHex, type FileCapability, parseCapabilityText } from './capability-text.js';
export { globRoot } from './glob-root.js';
export { findHostTool, SYSTEM_DIRS } from './host-tool.js';
export { octalMode } from './mode.js';
export {
  isUnder,
  JAIL_LOCAL_FS,
  type MountInfo,
  mountOf,
  parseMountinfo,
  pathKey,
  readMountinfo,
  unescapeField,
} from './mountinfo.js';
export { escapeOctal, unescapeOctal } from './octal-escape.js';
export { openNoFollow, selfUid, writableOnlyBy } from './own-file.js';
export { findOnPath, isFileInRoot, ROOT_PATH, ROOT_PATH_DIRS } from './root-path.js';
export type { RootView } from './root-view.js';
export { parseGetfattr, setfattrRecord } from './xattr.js';
