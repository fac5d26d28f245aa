export { type AddLoginOptions, type AddLoginResult, addLoginUser, planAdd } from './add.js';
export { type ChrootProblem, checkChroot, chrootProblems } from './chroot-rules.js';
export { DEFAULT_SSHD_CONFIG, DEFAULT_SSHD_DIR, renderDropIn, type SshdOptions } from './dropin.js';
export { type PublicKey, parseKeys } from './keys.js';
export { type LoginListEntry, listLoginUsers } from './list.js';
export { withLogins } from './plan-merge.js';
export { readLogins } from './record.js';
export { type RemoveLoginOptions, type RemoveLoginResult, removeLoginUser } from './remove.js';
export type { LoginMode, LoginUser } from './types.js';
