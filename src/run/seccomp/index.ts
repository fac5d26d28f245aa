export { SCMP_ARCH, seccompArch } from './arch.js';
export { SECCOMP_DATA, SECCOMP_RET, seccompProgram, X32_SYSCALL_BIT } from './bpf.js';
export type { OciSeccompArg, OciSeccompProfile, OciSeccompSyscall } from './oci.js';
export { ociSeccompProfile } from './oci.js';
export type { AbiRules, ArgTest, ErrnoName, KeptSyscall, SyscallRule } from './rules.js';
export { ABI_RULES, ERRNO, SECCOMP_KEPT, SECCOMP_RULES } from './rules.js';
export type { SeccompArch } from './syscalls.js';
export { syscallNumber } from './syscalls.js';
