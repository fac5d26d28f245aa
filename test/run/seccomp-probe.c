/* Reports, one "name result" line each, what the system calls the run's seccomp filter rules on
   return inside a jail: "ok" or the errno's name. `seccomp-probe int80` instead makes an i386
   system call, which the filter answers by killing the process with SIGSYS. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *name, long ret) {
  printf("%s %s\n", name, ret >= 0 ? "ok" : strerrorname_np(errno));
}

/* A raw fork-like clone with these flags; the child exits at once. */
static long raw_clone(unsigned long flags) {
  long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) _exit(0);
  if (pid > 0) waitpid((pid_t)pid, NULL, 0);
  return pid;
}

static long raw_clone3(void) {
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) _exit(0);
  if (pid > 0) waitpid((pid_t)pid, NULL, 0);
  return pid;
}

static void seccomp_status(void) {
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, "Seccomp:", 8) == 0) printf("seccomp %d\n", atoi(line + 8));
  }
  if (f) fclose(f);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "int80") == 0) {
#ifdef __x86_64__
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory"); /* i386 getpid */
    printf("int80 returned %ld\n", r);
    return 0;
#else
    return 3;
#endif
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  seccomp_status();
  report("add_key", syscall(SYS_add_key, "user", "probe", "v", 1, -2 /* process keyring */));
  report("keyctl_join", syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, 0));
  unsigned char params[120] = {0};
  long ring = syscall(SYS_io_uring_setup, 1, params);
  report("io_uring_setup", ring);
  if (ring >= 0) close((int)ring);
  report("unshare_newuser", unshare(CLONE_NEWUSER));
  report("unshare_none", unshare(0));
  report("clone_plain", raw_clone(0));
  report("clone_newuser", raw_clone(CLONE_NEWUSER));
  /* The kernel refuses this pair with EINVAL before it looks at privileges. */
  report("clone_newuser_fs", raw_clone(CLONE_NEWUSER | CLONE_FS));
  report("clone3", raw_clone3());
  report("personality_bsd", personality(PER_BSD));
  report("personality_query", personality(0xffffffff));
  int dir = open("/", O_RDONLY | O_DIRECTORY);
  char c = 'x';
  report("ioctl_tiocsti", ioctl(dir, TIOCSTI, &c));
  report("ioctl_tioclinux", ioctl(dir, TIOCLINUX, &c));
  report("ioctl_tcgets", ioctl(dir, TCGETS, &c));
  return 0;
}
