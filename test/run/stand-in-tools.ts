import type { HostTools } from '../../src/run/host-tools.js';

/** Stand-in host tool paths, so the argv of a run reads as short names in tests. */
export const STAND_IN_TOOLS: HostTools = {
  bwrap: 'BW',
  unshare: 'U',
  prlimit: 'PL',
  mount: 'M',
  keyctl: 'K',
  sh: 'SH',
};
