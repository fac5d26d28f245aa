/**
 * The host programs a run is made of. All come from util-linux (essential on Debian) except `ip`
 * (iproute2, to raise loopback) and GNU `time` (to read the job's rusage); without those two the
 * job still runs, with loopback down and maxRssBytes null. Looked up in fixed system directories,
 * never in the caller's PATH, so a PATH entry cannot substitute one of them.
 */
import { accessSync, constants } from 'node:fs';
import { RunError } from '../errors.js';

const DIRS = ['/usr/bin', '/usr/sbin', '/bin', '/sbin'];

export interface HostTools {
  unshare: string;
  setpriv: string;
  prlimit: string;
  setsid: string;
  mount: string;
  sh: string;
  ip: string | null;
  time: string | null;
}

function find(name: string): string | null {
  for (const d of DIRS) {
    try {
      accessSync(`${d}/${name}`, constants.X_OK);
      return `${d}/${name}`;
    } catch {}
  }
  return null;
}

let cached: HostTools | undefined;

export function hostTools(): HostTools {
  if (cached) return cached;
  const need = (name: string): string => {
    const p = find(name);
    if (!p) {
      throw new RunError('RUN_MISSING_TOOL', `${name} not found in ${DIRS.join(':')}`, {
        hint: 'install util-linux (unshare, setpriv, prlimit, setsid, mount)',
      });
    }
    return p;
  };
  cached = {
    unshare: need('unshare'),
    setpriv: need('setpriv'),
    prlimit: need('prlimit'),
    setsid: need('setsid'),
    mount: need('mount'),
    sh: need('sh'),
    ip: find('ip'),
    time: find('time'),
  };
  return cached;
}
