/* The refusals the TypeScript filter (src/run/seccomp/) adds to those seccomp-probe.c reports: one
   "name result" line each, "ok" or the errno's name. Socket families, the netlink protocols, the
   x86 LDT, vmsplice, fanotify, open_tree_attr and the TIOCSETD line-discipline ioctl. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif
#define NR_OPEN_TREE_ATTR 467 /* Linux 6.15, both ABIs; newer than most libc headers */

static void report(const char *name, long ret) {
  printf("%s %s\n", name, ret >= 0 ? "ok" : strerrorname_np(errno));
}

/* socket() and, for the refused families, socketpair(); every fd is closed again. */
static void sock(const char *name, int domain, int type, int protocol) {
  int fd = socket(domain, type, protocol);
  report(name, fd);
  if (fd >= 0) close(fd);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  sock("socket_unix", AF_UNIX, SOCK_STREAM, 0);
  sock("socket_inet", AF_INET, SOCK_DGRAM, 0);
  sock("socket_inet6", AF_INET6, SOCK_DGRAM, 0);
  sock("socket_netlink_route", AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  sock("socket_netlink_audit", AF_NETLINK, SOCK_RAW, NETLINK_AUDIT);
  sock("socket_netlink_uevent", AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT);
  sock("socket_netlink_diag", AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
  sock("socket_packet", AF_PACKET, SOCK_DGRAM, 0);
  sock("socket_key", AF_KEY, SOCK_RAW, 2 /* PF_KEY_V2 */);
  sock("socket_vsock", AF_VSOCK, SOCK_STREAM, 0);
  sock("socket_alg", AF_ALG, SOCK_SEQPACKET, 0);
  int sv[2];
  long pair = socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  report("socketpair_unix", pair);
  if (pair == 0) close(sv[0]), close(sv[1]);
  report("socketpair_alg", socketpair(AF_ALG, SOCK_SEQPACKET, 0, sv));
#ifdef SYS_modify_ldt
  unsigned char ldt[16];
  report("modify_ldt", syscall(SYS_modify_ldt, 0 /* read */, ldt, sizeof ldt));
#endif
  int p[2];
  if (pipe(p) != 0) return 1;
  char byte = 'x';
  struct iovec iov = {&byte, 1};
  report("vmsplice", syscall(SYS_vmsplice, p[1], &iov, 1, 0));
  report("write_pipe", write(p[1], &byte, 1));
  int fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID, O_RDONLY);
  report("fanotify_init", fan);
  if (fan >= 0) close(fan);
  report("open_tree_attr", syscall(NR_OPEN_TREE_ATTR, AT_FDCWD, "/", 0, NULL, 0));
  int dir = open("/", O_RDONLY | O_DIRECTORY);
  int ldisc = 0;
  report("ioctl_tiocsetd", ioctl(dir, TIOCSETD, &ldisc));
  /* The kernel reads ioctl's cmd as 32 bits: a high half must not slip TIOCSTI past the filter. */
  report("ioctl_tiocsti_high", syscall(SYS_ioctl, dir, 0x100000000UL | TIOCSTI, &byte));
  return 0;
}
