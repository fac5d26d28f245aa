/**
 * The host programs a run is made of. All come from util-linux (essential on Debian) except `ip`
 * (iproute2, to raise loopback) and GNU `time` (to read the job's rusage); without those two the
 * job still runs, with loopback down and maxRssBytes null. Looked up in fixed system directories,
 * never in the caller's PATH, so a PATH entry cannot substitute one of them.
 */
import { accessSync, constants } from 'node:fs';
import { RunError } from '../errors.js';
import { PACKAGE_ROOT } from '../version.js';

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
  /** Our own last step (src/run/enter.c, built by `npm run build`), or null without a C compiler. */
  enter: string | null;
}

function executable(p: string): string | null {
  try {
    accessSync(p, constants.X_OK);
    return p;
  } catch {
    return null;
  }
}

function find(name: string): string | null {
  for (const d of DIRS) {
    const p = executable(`${d}/${name}`);
    if (p) return p;
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
    enter: executable(`${PACKAGE_ROOT}/dist/run/jailsmith-enter`),
  };
  return cached;
}
