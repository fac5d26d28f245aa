import type { HostTools } from '../../src/run/host-tools.js';

/** Stand-in host tool paths, so the chains in argv tests read as short names. */
export const STAND_IN_TOOLS: HostTools = {
  unshare: 'U',
  setpriv: 'SP',
  prlimit: 'PL',
  setsid: 'SS',
  mount: 'M',
  sh: 'SH',
  ip: null,
  time: null,
  enter: null,
};
