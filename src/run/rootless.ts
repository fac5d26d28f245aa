/**
 * Rootless runs: the job's namespaces hang off a user namespace made by the caller, which maps the
 * job's uid/gid (one id each) to the caller's own. Inside, the namespace's capabilities are enough
 * for the private mounts, a /proc of the new PID namespace, loopback and the chroot; outside, every
 * process of the job is the caller's uid, so the job can touch nothing the caller could not.
 * Root asking for it (to test it) runs it as the job's uid/gid instead of as host root: a root
 * host identity would make the jail's root-owned files the job's own.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { errnoCode, RunError } from '../errors.js';
import type { SourceRoot } from '../resolve/source-root.js';
import type { UserNs } from './chain.js';
import type { HostTools } from './host-tools.js';

export interface RunMode {
  rootless: boolean;
  /** The user namespace to make, or null in the root mode. */
  userns: UserNs | null;
  /** The uid the job's processes have on the host (what a host-side look-up sees). */
  hostUid: number;
  hostGid: number;
}

function readNumber(file: string): number | null {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
}

/** Refuses up front when the kernel allows no user namespace, rather than a bare unshare error. */
function checkUserNamespaces(): void {
  const max = readNumber('/proc/sys/user/max_user_namespaces');
  const clone = readNumber('/proc/sys/kernel/unprivileged_userns_clone');
  if (max === 0 || clone === 0) {
    throw new RunError('RUN_NO_USERNS', 'rootless run: this kernel allows no unprivileged user namespace', {
      path: max === 0 ? '/proc/sys/user/max_user_namespaces' : '/proc/sys/kernel/unprivileged_userns_clone',
      hint: 'ask the machine’s admin to enable user namespaces, or run jailsmith as root',
    });
  }
}

export function runMode(
  asked: boolean | undefined,
  job: { uid: number; gid: number },
  tools: HostTools,
): RunMode {
  const euid = process.geteuid?.() ?? 0;
  const egid = process.getegid?.() ?? 0;
  const rootless = asked ?? euid !== 0;
  if (!rootless) {
    if (euid !== 0) {
      throw new RunError('RUN_NEEDS_ROOT', 'the root mode of run needs root', {
        hint: 'leave out --no-rootless: without root jailsmith runs the job in a user namespace',
      });
    }
    return { rootless, userns: null, hostUid: job.uid, hostGid: job.gid };
  }
  checkUserNamespaces();
  if (tools.enter === null) {
    // unshare --setgid would call setgroups, which a user namespace denies; and no filter either.
    throw new RunError('RUN_ROOTLESS_NO_ENTER', 'rootless run needs jailsmith-enter, which was not built', {
      hint: 'build jailsmith with a C compiler (`npm run build`)',
    });
  }
  const asRoot = euid === 0;
  const hostUid = asRoot ? job.uid : euid;
  const hostGid = asRoot ? job.gid : egid;
  return {
    rootless,
    userns: {
      uid: job.uid,
      gid: job.gid,
      becomeUid: asRoot ? job.uid : null,
      becomeGid: asRoot ? job.gid : null,
    },
    hostUid,
    hostGid,
  };
}

/**
 * Rootless, the job enters its workdir as the caller's uid: a home the jail gives its own user
 * (0700, owned by that uid on the host) is closed to it. Said before anything runs, not as a
 * failed chdir. Root forcing rootless runs as the job's uid itself, so it skips this.
 */
export function checkWorkdirReachable(root: SourceRoot, workdir: string, mode: RunMode): void {
  if (!mode.rootless || mode.userns?.becomeUid !== null) return;
  const real = root.realpath(workdir);
  if (!real) return; // prepareRun has checked that it exists
  const host = root.host(real.path);
  try {
    accessSync(host, constants.X_OK);
  } catch (e) {
    if (errnoCode(e) !== 'EACCES') throw e;
    const st = statSync(host, { throwIfNoEntry: false });
    const owner = st ? ` (owner ${st.uid}, mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})` : '';
    throw new RunError(
      'RUN_ROOTLESS_WORKDIR',
      `rootless run: the workdir ${workdir} is closed to uid ${mode.hostUid}${owner}`,
      { path: host, hint: '--workdir / (or another directory you can enter), or run as root' },
    );
  }
}
