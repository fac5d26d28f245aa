/* One hostile program, many attacks: prints ESCAPED and exits 0 when an attack works, else
   prints "blocked: <reason>" and exits 1. Used by the run tests inside a C jail. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <arpa/inet.h>

static int blocked(const char *what) {
  printf("blocked: %s: %s\n", what, strerror(errno));
  return 1;
}
static int escaped(const char *what) {
  printf("ESCAPED: %s\n", what);
  return 0;
}

/* Reads a host file whose absolute host path is `marker`; ESCAPED if it opens. */
static int try_read(const char *marker, const char *what) {
  int fd = open(marker, O_RDONLY);
  if (fd < 0) return blocked(what);
  char buf[256] = {0};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  printf("read %zd bytes: %s\n", n, buf);
  return escaped(what);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *cmd = argv[1];
  const char *arg = argc > 2 ? argv[2] : "";
  setvbuf(stdout, NULL, _IONBF, 0);
  if (!strcmp(cmd, "connect")) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(arg))};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) return blocked("connect");
    return escaped("connect");
  }
  if (!strcmp(cmd, "kill")) return kill(atoi(arg), SIGKILL) ? blocked("kill") : escaped("kill");
  if (!strcmp(cmd, "ptrace")) return ptrace(PTRACE_ATTACH, atoi(arg), 0, 0) ? blocked("ptrace") : escaped("ptrace");
  if (!strcmp(cmd, "chroot")) {
    /* The classic: chroot into a subdir, climb out of the old root, chroot to the real one. */
    if (chdir("/tmp") != 0) return blocked("chdir /tmp");
    mkdir("x", 0755);
    if (chroot("x") != 0) return blocked("chroot");
    for (int i = 0; i < 64; i++) chdir("..");
    if (chroot(".") != 0) return blocked("chroot .");
    return try_read(arg, "chroot escape");
  }
  if (!strcmp(cmd, "mknod")) {
    return mknod(arg, S_IFBLK | 0600, makedev(8, 0)) ? blocked("mknod") : escaped("mknod");
  }
  if (!strcmp(cmd, "mount")) return mount("none", arg, "tmpfs", 0, NULL) ? blocked("mount") : escaped("mount");
  if (!strcmp(cmd, "fd")) {
    int fd = atoi(arg);
    struct stat st;
    if (fstat(fd, &st) != 0) return blocked("fstat inherited fd");
    int f = openat(fd, argv[3], O_RDONLY);
    if (f < 0) return blocked("openat inherited fd");
    return escaped("inherited fd");
  }
  if (!strcmp(cmd, "write")) {
    int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "pwned\n", 6) != 6) return blocked("write");
    return escaped("write");
  }
  if (!strcmp(cmd, "proc")) {
    /* Lists the pids it can see, then tries every /proc/N/root/<marker>. */
    DIR *d = opendir("/proc");
    if (!d) return blocked("opendir /proc");
    struct dirent *e;
    int found = 0;
    while ((e = readdir(d))) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      printf("pid %s\n", e->d_name);
      char p[512];
      snprintf(p, sizeof p, "/proc/%s/root%s", e->d_name, arg);
      int fd = open(p, O_RDONLY);
      if (fd >= 0) found = 1;
    }
    return found ? escaped("proc root") : blocked("proc root");
  }
  if (!strcmp(cmd, "forkbomb")) {
    for (;;) fork();
  }
  if (!strcmp(cmd, "alloc")) {
    size_t n = strtoull(arg, NULL, 10);
    char *p = malloc(n);
    if (!p) return blocked("malloc");
    memset(p, 1, n);
    return escaped("alloc");
  }
  if (!strcmp(cmd, "loop")) {
    for (volatile unsigned long i = 0;; i++) {}
  }
  if (!strcmp(cmd, "copy")) {
    /* The legitimate job: upper-cases argv[2] into argv[3]. */
    FILE *in = fopen(arg, "r"), *out = fopen(argv[3], "w");
    if (!in || !out) return blocked("copy");
    int c;
    while ((c = fgetc(in)) != EOF) fputc(c >= 'a' && c <= 'z' ? c - 32 : c, out);
    return fclose(out) == 0 ? 0 : 1;
  }
  return 2;
}
