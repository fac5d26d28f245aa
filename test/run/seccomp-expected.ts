/** What test/run/seccomp-probe.c reports under jailsmith's filter, for every test that runs it. */
export const FILTERED = {
  seccomp: '2',
  add_key: 'EPERM',
  keyctl_join: 'EPERM',
  io_uring_setup: 'EPERM',
  unshare_newuser: 'EPERM',
  unshare_none: 'EPERM',
  clone_plain: 'ok',
  clone_newuser: 'EPERM',
  clone_newuser_fs: 'EPERM',
  clone3: 'ENOSYS',
  personality_bsd: 'EPERM',
  personality_query: 'ok',
  ioctl_tiocsti: 'EPERM',
  ioctl_tioclinux: 'EPERM',
  ioctl_tcgets: 'ENOTTY',
};
