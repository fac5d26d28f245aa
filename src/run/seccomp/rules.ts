/**
 * The default seccomp filter of `jailsmith run`, written once as data. bpf.ts compiles it to the
 * classic-BPF program bubblewrap loads (`--seccomp FD`); oci.ts renders it as an OCI runtime-spec
 * `linux.seccomp` object. A denylist in the spirit of Docker's default profile: the job keeps every
 * ordinary system call (compilers, interpreters, threads, ptrace of its own children) and loses the
 * ones that only widen the kernel surface a jailed, unprivileged batch job can reach. Most of them
 * would fail anyway without capabilities; a refusal from the filter means the kernel code behind
 * them is never entered.
 */

/** The errno values a rule may return; the same numbers on x86_64 and aarch64 (asm-generic). */
export const ERRNO = { EPERM: 1, ENOSYS: 38, EAFNOSUPPORT: 97 } as const;
export type ErrnoName = keyof typeof ERRNO;

/**
 * A test on one argument's low 32 bits: every argument a rule looks at is a C int or unsigned int,
 * which the kernel truncates, so the high half (whatever the caller left there) must not matter.
 * `in`: equal to one of values; `notIn`: equal to none of them; `anyBit`: shares a bit with mask.
 */
export type ArgTest =
  | { arg: number; in: readonly number[] }
  | { arg: number; notIn: readonly number[] }
  | { arg: number; anyBit: number };

/** Syscalls refused with `errno` when every test in `when` holds (always, without `when`). */
export interface SyscallRule {
  syscalls: readonly string[];
  errno: ErrnoName;
  when?: readonly ArgTest[];
  reason: string;
}

/** A notable system call left allowed on purpose, and why. */
export interface KeptSyscall {
  syscalls: readonly string[];
  reason: string;
}

/** What the filter does with calls made through another ABI than the native one. */
export interface AbiRules {
  foreignArch: { action: 'kill-process'; reason: string };
  x32: { errno: ErrnoName; reason: string };
}

/** Namespaces through clone(2) flags: NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET. */
export const CLONE_NS_FLAGS = 0x7e020000;
const PER_LINUX = 0;
const PER_LINUX32 = 0x8;
const PERSONALITY_QUERY = 0xffffffff;
const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;
const TIOCSETD = 0x5423;
const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;
const NETLINK_ROUTE = 0;

export const ABI_RULES: AbiRules = {
  foreignArch: {
    action: 'kill-process',
    reason:
      'another ABI (i386 int 0x80 on x86_64, aarch32 on arm64) numbers its calls differently, so none of these rules would apply',
  },
  x32: {
    errno: 'EPERM',
    reason:
      'x32 shares AUDIT_ARCH_X86_64 and marks its numbers with bit 30: a second syscall table nobody needs',
  },
};

/**
 * The rules, in the order the program tests them. Rules for one syscall must share one errno (the
 * OCI form ORs them, the BPF takes the first match: equal actions make the two agree).
 */
export const SECCOMP_RULES: readonly SyscallRule[] = [
  {
    syscalls: ['mount', 'umount2', 'pivot_root', 'chroot', 'move_mount', 'open_tree', 'open_tree_attr'],
    errno: 'EPERM',
    reason: 'the mount table is the jail itself; a job never changes it',
  },
  {
    syscalls: ['fsopen', 'fsconfig', 'fsmount', 'fspick', 'mount_setattr'],
    errno: 'EPERM',
    reason: 'the new mount API: the same as mount, and filesystem parsers reachable from a user namespace',
  },
  {
    syscalls: ['setns', 'unshare'],
    errno: 'EPERM',
    reason: 'new or other namespaces: user namespaces open root-only kernel code to the job',
  },
  {
    syscalls: ['clone3'],
    errno: 'ENOSYS',
    reason: 'its flags are in memory a filter cannot read; ENOSYS makes glibc and musl fall back to clone',
  },
  {
    syscalls: ['clone'],
    errno: 'EPERM',
    when: [{ arg: 0, anyBit: CLONE_NS_FLAGS }],
    reason:
      'clone with a CLONE_NEW* flag is unshare by another name (CLONE_NEWTIME is an exit-signal bit in clone, only clone3 and unshare take it)',
  },
  {
    syscalls: ['keyctl', 'add_key', 'request_key'],
    errno: 'EPERM',
    reason: 'kernel keyrings: not namespaced, a long CVE history, no use in a batch job',
  },
  {
    syscalls: ['bpf', 'perf_event_open', 'userfaultfd'],
    errno: 'EPERM',
    reason: 'verifier, perf and userfaultfd: the usual first step of kernel exploits',
  },
  {
    syscalls: ['io_uring_setup', 'io_uring_enter', 'io_uring_register'],
    errno: 'EPERM',
    reason: 'io_uring bypasses per-syscall filtering and has a long CVE history',
  },
  {
    syscalls: ['kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module', 'reboot'],
    errno: 'EPERM',
    reason: 'loading kernels and modules, rebooting: the host’s business',
  },
  {
    syscalls: ['swapon', 'swapoff', 'acct', 'quotactl', 'quotactl_fd', 'syslog', 'vhangup'],
    errno: 'EPERM',
    reason: 'host administration: swap, process accounting, quotas, the kernel log, terminals',
  },
  {
    syscalls: ['lookup_dcookie', 'open_by_handle_at', 'name_to_handle_at'],
    errno: 'EPERM',
    reason: 'file handles open files by inode, past the jail’s root (the “shocker” escape)',
  },
  {
    syscalls: ['iopl', 'ioperm', 'modify_ldt'],
    errno: 'EPERM',
    reason: 'x86 I/O ports and the per-process LDT: hardware access and a legacy segment path with CVEs',
  },
  {
    syscalls: ['settimeofday', 'clock_settime', 'clock_adjtime', 'adjtimex'],
    errno: 'EPERM',
    reason: 'setting the clock, which is not namespaced (reading it uses other calls)',
  },
  {
    syscalls: ['uselib', '_sysctl', 'nfsservctl'],
    errno: 'EPERM',
    reason: 'obsolete interfaces (a.out libraries, binary sysctl, knfsd control)',
  },
  {
    syscalls: ['vmsplice'],
    errno: 'EPERM',
    reason:
      'splices user pages into a pipe by reference (the CVE-2008-0600 root exploit); write() does the same job',
  },
  {
    syscalls: ['fanotify_init'],
    errno: 'EPERM',
    reason: 'whole-filesystem event watching; inotify stays for the tools that watch files',
  },
  {
    syscalls: ['personality'],
    errno: 'EPERM',
    when: [{ arg: 0, notIn: [PER_LINUX, PER_LINUX32, PERSONALITY_QUERY] }],
    reason: 'other personalities turn on legacy kernel paths (READ_IMPLIES_EXEC, MMAP_PAGE_ZERO, no ASLR)',
  },
  {
    syscalls: ['ioctl'],
    errno: 'EPERM',
    when: [{ arg: 1, in: [TIOCSTI, TIOCLINUX, TIOCSETD] }],
    reason:
      'typing into a terminal’s or the console’s input (TIOCSTI, TIOCLINUX), swapping its line discipline (TIOCSETD, n_gsm/n_hdlc CVEs)',
  },
  {
    syscalls: ['socket', 'socketpair'],
    errno: 'EAFNOSUPPORT',
    when: [{ arg: 0, notIn: [AF_UNIX, AF_INET, AF_INET6, AF_NETLINK] }],
    reason:
      'only local, IPv4 and IPv6 sockets: rare families (packet, vsock, alg, key, bluetooth...) are autoloaded kernel code',
  },
  {
    syscalls: ['socket', 'socketpair'],
    errno: 'EAFNOSUPPORT',
    when: [
      { arg: 0, in: [AF_NETLINK] },
      { arg: 2, notIn: [NETLINK_ROUTE] },
    ],
    reason:
      'netlink only for routing (getaddrinfo, if_nameindex); audit, uevent, diag and the rest are refused',
  },
];

export const SECCOMP_KEPT: readonly KeptSyscall[] = [
  {
    syscalls: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'pidfd_getfd'],
    reason:
      'debuggers, sanitizers and profilers of the job’s own processes; the kernel’s ptrace access checks (same uid, dumpable, Yama) still apply, and the pid namespace hides everything outside the job',
  },
  {
    syscalls: ['memfd_create', 'execveat'],
    reason:
      'memfd_create serves JITs and anonymous shared memory. Running a memfd (execveat, or execve of /proc/self/fd/N, a path seccomp cannot read) escapes noexec mounts; where that matters the host sets vm.memfd_noexec=2 (Linux 6.3+): refusing memfd_create would break programs and still leave every writable exec mount',
  },
  {
    syscalls: ['seccomp'],
    reason: 'a job may stack its own filter: filters only ever narrow what is allowed',
  },
  {
    syscalls: ['mbind', 'set_mempolicy', 'migrate_pages', 'move_pages'],
    reason: 'NUMA placement for compute jobs (OpenMP, numactl); Docker refuses them without CAP_SYS_NICE',
  },
];
