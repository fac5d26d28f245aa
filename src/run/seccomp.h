/*
 * The default seccomp filter of `jailsmith run`, included once by enter.c. A denylist in the spirit
 * of Docker's default profile: the job keeps every ordinary system call (compilers, interpreters,
 * threads, ptrace of its own children) and loses the ones that only widen the kernel surface a
 * jailed, unprivileged job can reach (mounts, namespaces, keyrings, bpf, io_uring, modules, clocks).
 * Most of them would fail anyway without capabilities; EPERM from the filter means the kernel code
 * behind them is never entered. Written by hand in classic BPF so there is no libseccomp to ship.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* Both supported ABIs are little-endian: the low 32 bits of an argument come first. */
#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__) && !defined(__AARCH64EB__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif

#ifndef NATIVE_ARCH
#define SECCOMP_SUPPORTED 0
static int install_seccomp(void) {
  errno = ENOSYS;
  return -1;
}
#else
#define SECCOMP_SUPPORTED 1

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#define RET_ALLOW SECCOMP_RET_ALLOW
#define RET_ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(__u64))

/*
 * Namespaces through clone(2) flags. CLONE_NEWTIME is left out: in clone(2) its bit is part of the
 * exit signal, and only clone3 and unshare (both refused below) take it.
 */
#define CLONE_NS_FLAGS \
  (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

static const unsigned denied[] = {
#ifdef __NR_mount
    __NR_mount,
#endif
#ifdef __NR_umount2
    __NR_umount2,
#endif
#ifdef __NR_pivot_root
    __NR_pivot_root,
#endif
#ifdef __NR_chroot
    __NR_chroot,
#endif
#ifdef __NR_move_mount
    __NR_move_mount,
#endif
#ifdef __NR_open_tree
    __NR_open_tree,
#endif
#ifdef __NR_fsopen
    __NR_fsopen,
#endif
#ifdef __NR_fsconfig
    __NR_fsconfig,
#endif
#ifdef __NR_fsmount
    __NR_fsmount,
#endif
#ifdef __NR_fspick
    __NR_fspick,
#endif
#ifdef __NR_mount_setattr
    __NR_mount_setattr,
#endif
#ifdef __NR_setns
    __NR_setns,
#endif
#ifdef __NR_unshare
    __NR_unshare,
#endif
#ifdef __NR_keyctl
    __NR_keyctl,
#endif
#ifdef __NR_add_key
    __NR_add_key,
#endif
#ifdef __NR_request_key
    __NR_request_key,
#endif
#ifdef __NR_bpf
    __NR_bpf,
#endif
#ifdef __NR_perf_event_open
    __NR_perf_event_open,
#endif
#ifdef __NR_userfaultfd
    __NR_userfaultfd,
#endif
#ifdef __NR_io_uring_setup
    __NR_io_uring_setup,
#endif
#ifdef __NR_io_uring_enter
    __NR_io_uring_enter,
#endif
#ifdef __NR_io_uring_register
    __NR_io_uring_register,
#endif
#ifdef __NR_kexec_load
    __NR_kexec_load,
#endif
#ifdef __NR_kexec_file_load
    __NR_kexec_file_load,
#endif
#ifdef __NR_init_module
    __NR_init_module,
#endif
#ifdef __NR_finit_module
    __NR_finit_module,
#endif
#ifdef __NR_delete_module
    __NR_delete_module,
#endif
#ifdef __NR_reboot
    __NR_reboot,
#endif
#ifdef __NR_swapon
    __NR_swapon,
#endif
#ifdef __NR_swapoff
    __NR_swapoff,
#endif
#ifdef __NR_acct
    __NR_acct,
#endif
#ifdef __NR_quotactl
    __NR_quotactl,
#endif
#ifdef __NR_quotactl_fd
    __NR_quotactl_fd,
#endif
#ifdef __NR_syslog
    __NR_syslog,
#endif
#ifdef __NR_lookup_dcookie
    __NR_lookup_dcookie,
#endif
#ifdef __NR_open_by_handle_at
    __NR_open_by_handle_at,
#endif
#ifdef __NR_name_to_handle_at
    __NR_name_to_handle_at,
#endif
#ifdef __NR_iopl
    __NR_iopl,
#endif
#ifdef __NR_ioperm
    __NR_ioperm,
#endif
#ifdef __NR_settimeofday
    __NR_settimeofday,
#endif
#ifdef __NR_clock_settime
    __NR_clock_settime,
#endif
#ifdef __NR_clock_adjtime
    __NR_clock_adjtime,
#endif
#ifdef __NR_adjtimex
    __NR_adjtimex,
#endif
#ifdef __NR_vhangup
    __NR_vhangup,
#endif
#ifdef __NR_uselib
    __NR_uselib,
#endif
#ifdef __NR__sysctl
    __NR__sysctl,
#endif
#ifdef __NR_nfsservctl
    __NR_nfsservctl,
#endif
};

static struct sock_filter prog[256];
static unsigned short len;
static int overflow;

static void emit(struct sock_filter f) {
  if (len < sizeof prog / sizeof prog[0])
    prog[len++] = f;
  else
    overflow = 1;
}

static void stmt(unsigned short code, unsigned k) { emit((struct sock_filter)BPF_STMT(code, k)); }

static void jump(unsigned short code, unsigned k, unsigned char jt, unsigned char jf) {
  emit((struct sock_filter)BPF_JUMP(code, k, jt, jf));
}

/* Skips `skip` instructions (the rule's body) unless the syscall number is nr. */
static void when_nr(unsigned nr, unsigned char skip) { jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, skip); }

static void build(void) {
  /* Another ABI's numbers mean other syscalls (i386's int 0x80 on x86_64): nothing below applies. */
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  jump(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
  /* x32 shares AUDIT_ARCH_X86_64 and marks its numbers with this bit: a second table, refused. */
  jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000U, 0, 1);
  stmt(BPF_RET | BPF_K, RET_ERRNO(EPERM));
#endif
  for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
    when_nr(denied[i], 1);
    stmt(BPF_RET | BPF_K, RET_ERRNO(EPERM));
  }
#ifdef __NR_clone3
  /* Its flags are in memory a filter cannot read; ENOSYS makes glibc fall back to clone. */
  when_nr(__NR_clone3, 1);
  stmt(BPF_RET | BPF_K, RET_ERRNO(ENOSYS));
#endif
  /* Flags are arg 0 on both ABIs; the kernel reads only their low 32 bits. */
  when_nr(__NR_clone, 4);
  stmt(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0));
  jump(BPF_JMP | BPF_JSET | BPF_K, CLONE_NS_FLAGS, 0, 1);
  stmt(BPF_RET | BPF_K, RET_ERRNO(EPERM));
  stmt(BPF_RET | BPF_K, RET_ALLOW);
  /* Other personalities turn on legacy kernel paths (READ_IMPLIES_EXEC, MMAP_PAGE_ZERO...). */
  when_nr(__NR_personality, 6);
  stmt(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0));
  jump(BPF_JMP | BPF_JEQ | BPF_K, 0 /* PER_LINUX */, 3, 0);
  jump(BPF_JMP | BPF_JEQ | BPF_K, 8 /* PER_LINUX32 */, 2, 0);
  jump(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffU /* query */, 1, 0);
  stmt(BPF_RET | BPF_K, RET_ERRNO(EPERM));
  stmt(BPF_RET | BPF_K, RET_ALLOW);
  /* Typing into a terminal's input queue, or the console's: both reach past the job. */
  when_nr(__NR_ioctl, 5);
  stmt(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1));
  jump(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 2, 0);
  jump(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 1, 0);
  stmt(BPF_RET | BPF_K, RET_ALLOW);
  stmt(BPF_RET | BPF_K, RET_ERRNO(EPERM));
  stmt(BPF_RET | BPF_K, RET_ALLOW);
}

static int install_seccomp(void) {
  build();
  if (overflow) {
    errno = E2BIG;
    return -1;
  }
  struct sock_fprog fprog = {len, prog};
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0);
}
#endif
