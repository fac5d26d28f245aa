/*
 * jailsmith-enter [--rootless] [--no-seccomp] JAIL WORKDIR UID GID -- COMMAND [ARG...]
 *
 * The last host program of a `jailsmith run`: chroot into JAIL, enter WORKDIR, empty the
 * capability bounding set, drop to UID/GID with no supplementary groups, install the seccomp
 * filter of seccomp.h (unless --no-seccomp) and exec COMMAND (looked up on the job's PATH inside
 * the jail). One process does all of it because nothing of the host can run after the chroot:
 * util-linux `unshare --root --setuid` would have to leave the bounding set holding what it needs
 * itself, and could not add a filter. It runs with NO_NEW_PRIVS already set by setpriv, and needs
 * only sys_chroot, dac_read_search (a 0700 workdir), setpcap, setgid and setuid.
 *
 * The filter comes last so that none of our own steps is subject to it, and it is inherited by
 * everything the job starts. On an architecture it does not know, asking for it fails (exit 126)
 * rather than running the job unfiltered.
 *
 * --rootless: in an unprivileged user namespace, where the kernel denies setgroups (so that no one
 * sheds a group that a file's permissions deny). There, and only when /proc/self/setgroups (read
 * before the chroot) says "deny", an EPERM from setgroups(0, NULL) is accepted: the job keeps the
 * supplementary groups of whoever ran it. Without the flag every setgroups failure is fatal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp.h"

static void die(const char *what, const char *arg) {
  int e = errno;
  fprintf(stderr, "jailsmith-enter: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(e));
  _exit(e == ENOENT ? 127 : 126);
}

static unsigned id(const char *s) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *s == '\0' || *end != '\0' || v > 0x7ffffffful) {
    fprintf(stderr, "jailsmith-enter: not an id: %s\n", s);
    _exit(126);
  }
  return (unsigned)v;
}

/* The kernel forbids setgroups in this user namespace: /proc/self/setgroups reads "deny". */
static int setgroups_denied(void) {
  char buf[16] = {0};
  int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n > 0 && strncmp(buf, "deny", 4) == 0;
}

int main(int argc, char **argv) {
  int filter = 1;
  int rootless = 0;
  if (argc > 1 && strcmp(argv[1], "--rootless") == 0) {
    rootless = 1;
    argv++;
    argc--;
  }
  if (argc > 1 && strcmp(argv[1], "--no-seccomp") == 0) {
    filter = 0;
    argv++;
    argc--;
  }
  if (argc < 7 || strcmp(argv[5], "--") != 0) {
    fprintf(stderr,
            "usage: jailsmith-enter [--rootless] [--no-seccomp] JAIL WORKDIR UID GID -- COMMAND [ARG...]\n");
    return 126;
  }
  int groups_denied = rootless && setgroups_denied();
  if (filter && !SECCOMP_SUPPORTED) {
    fprintf(stderr, "jailsmith-enter: no seccomp filter for this architecture (run with --no-seccomp)\n");
    return 126;
  }
  uid_t uid = id(argv[3]);
  gid_t gid = id(argv[4]);
  if (chdir(argv[1]) != 0) die("chdir", argv[1]);
  if (chroot(".") != 0) die("chroot", argv[1]);
  if (chdir("/") != 0) die("chdir", "/");
  if (chdir(argv[2]) != 0) die("chdir", argv[2]);
  /* Every capability leaves the bounding set while CAP_SETPCAP is still held. */
  for (int cap = 0; cap < 64; cap++) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) die("drop bounding capability", NULL);
  }
  if (setgroups(0, NULL) != 0 && !(groups_denied && errno == EPERM)) die("setgroups", NULL);
  if (setresgid(gid, gid, gid) != 0) die("setgid", argv[4]);
  /* A non-zero uid empties the permitted, effective and ambient sets (no SECBIT_KEEP_CAPS). */
  if (setresuid(uid, uid, uid) != 0) die("setuid", argv[3]);
  struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct none[2];
  memset(none, 0, sizeof none);
  if (syscall(SYS_capset, &head, none) != 0) die("capset", NULL);
  /* Also what lets an unprivileged process install a filter. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("no_new_privs", NULL);
  if (filter && install_seccomp() != 0) die("seccomp", NULL);
  execvp(argv[6], argv + 6);
  die("exec", argv[6]);
  return 126;
}
