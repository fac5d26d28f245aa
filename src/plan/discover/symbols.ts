import type { DiscoverySignal } from '../../spec/index.js';

/**
 * Imported symbols that mean a run-time lookup no ELF header shows. Only imports count (a call
 * into another object), never definitions: libc defines iconv_open, but only a program or a
 * library that calls it needs the converters.
 */
export const SYMBOL_SIGNALS: Record<string, DiscoverySignal> = {
  iconv_open: 'gconv',
  getaddrinfo: 'nss',
  getnameinfo: 'nss',
  gethostbyname: 'nss',
  gethostbyname2: 'nss',
  gethostbyname_r: 'nss',
  gethostbyaddr: 'nss',
  getpwnam: 'nss',
  getpwnam_r: 'nss',
  getpwuid: 'nss',
  getpwuid_r: 'nss',
  getpwent: 'nss',
  getgrnam: 'nss',
  getgrnam_r: 'nss',
  getgrgid: 'nss',
  getgrgid_r: 'nss',
  getgrouplist: 'nss',
  initgroups: 'nss',
  getservbyname: 'nss',
  getprotobyname: 'nss',
  setlocale: 'locale',
  newlocale: 'locale',
  localtime: 'zoneinfo',
  localtime_r: 'zoneinfo',
  tzset: 'zoneinfo',
  mktime: 'zoneinfo',
  timelocal: 'zoneinfo',
  pthread_cancel: 'libgcc_s',
  pthread_exit: 'libgcc_s',
  mkstemp: 'tmp',
  mkstemp64: 'tmp',
  mkostemp: 'tmp',
  mkostemp64: 'tmp',
  mkstemps: 'tmp',
  mkstemps64: 'tmp',
  mkdtemp: 'tmp',
  tmpfile: 'tmp',
  tmpfile64: 'tmp',
  tempnam: 'tmp',
  tmpnam: 'tmp',
};

/** Imports that run another program: only a file that has one can need the helpers it names. */
export const EXEC_SYMBOLS = new Set([
  'execvp',
  'execlp',
  'execvpe',
  'execv',
  'execve',
  'execl',
  'execle',
  'posix_spawn',
  'posix_spawnp',
  'system',
  'popen',
]);

/** Imports that run /bin/sh themselves (libc's fixed path, used only when one of these is called). */
export const SHELL_SYMBOLS = new Set(['system', 'popen']);
