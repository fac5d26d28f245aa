/**
 * The host programs a run is made of: bubblewrap (the sandbox itself), util-linux (unshare,
 * prlimit, mount), keyutils' keyctl (a fresh session keyring) and sh. Looked up in fixed system directories, never in the caller's PATH, so a PATH
 * entry cannot substitute one of them. A missing one is a one-line error, never a weaker fallback.
 */
import { RunError } from '../errors.js';
import { findHostTool } from '../sys/index.js';

const DIRS = ['/usr/bin', '/usr/sbin', '/bin', '/sbin'];

export interface HostTools {
  bwrap: string;
  unshare: string;
  prlimit: string;
  mount: string;
  keyctl: string;
  sh: string;
}

function find(name: string): string | null {
  return findHostTool(name, DIRS);
}

const PACKAGE: Record<string, string> = { bwrap: 'bubblewrap', keyctl: 'keyutils' };

let cached: HostTools | undefined;

export function hostTools(): HostTools {
  if (cached) return cached;
  const need = (name: string): string => {
    const p = find(name);
    if (!p) {
      const pkg = PACKAGE[name] ?? 'util-linux';
      throw new RunError(
        'RUN_MISSING_TOOL',
        `${name} not found in ${DIRS.join(':')}: jailsmith run needs it`,
        {
          hint: `apt-get install ${pkg}`,
        },
      );
    }
    return p;
  };
  cached = {
    bwrap: need('bwrap'),
    unshare: need('unshare'),
    prlimit: need('prlimit'),
    mount: need('mount'),
    keyctl: need('keyctl'),
    sh: need('sh'),
  };
  return cached;
}
