/**
 * Mounts under the jail (from /proc/self/mountinfo): procfs-mounted, kernel-fs-mounted,
 * devtmpfs-mounted, bind-mount-out-of-jail, mount-missing-nosuid-nodev, mount-propagation-shared.
 * Grouped because they read the same mount list; each id is its own check.
 */
import { readlinkSync } from 'node:fs';
import type { MountInfo } from '../../sys/index.js';
import type { AuditContext, Check, Finding, Severity } from '../types.js';
import { hostOrigin, inJail, isJailLocal, KERNEL_FS } from './mounts-util.js';
import { at } from './util.js';

function describe(m: MountInfo): string {
  return `${m.fstype} from ${m.source} (${m.options.join(',')})`;
}

/** A proc mounted in our own PID namespace shows our pid at /proc/self. */
function sharesOurPidNs(m: MountInfo): boolean {
  try {
    return readlinkSync(`${m.mountPoint}/self`) === String(process.pid);
  } catch {
    return false;
  }
}

export const procfsMounted: Check = {
  id: 'procfs-mounted',
  severity: 'critical',
  title: 'A proc filesystem is mounted in the jail',
  why: '/proc/<pid>/root, cwd and fd of processes outside lead out of the jail (chw00t -3), plus /proc/sys and sysrq.',
  help: 'Unmount it; if the jail needs /proc, mount it in a new PID namespace with hidepid=2 or subset=pid.',
  run(ctx) {
    return ctx.mountsUnder
      .filter((m) => m.fstype === 'proc')
      .map((m) => {
        const shared = sharesOurPidNs(m);
        const restricted = m.superOptions.some((o) => /^hidepid=(?:2|invisible)$|^subset=pid$/.test(o));
        const sev: Severity = shared ? 'critical' : restricted ? 'medium' : 'high';
        const note = shared
          ? ' in the host PID namespace'
          : restricted
            ? ' (restricted: hidepid/subset)'
            : '';
        return at(this, sev, inJail(m, ctx.jail), `proc mounted${note}: ${describe(m)}`);
      });
  },
};

export const kernelFsMounted: Check = {
  id: 'kernel-fs-mounted',
  severity: 'high',
  title: 'A kernel filesystem (sysfs, cgroup, debugfs...) is mounted in the jail',
  why: 'Kernel control surfaces (cgroup release_agent, debugfs, bpf) are root-equivalent attack surface.',
  help: 'Unmount it; jails do not need kernel filesystems.',
  run(ctx) {
    return ctx.mountsUnder
      .filter((m) => KERNEL_FS.has(m.fstype))
      .map((m) => at(this, m.options.includes('ro') ? 'medium' : 'high', inJail(m, ctx.jail), describe(m)));
  },
};

export const devtmpfsMounted: Check = {
  id: 'devtmpfs-mounted',
  severity: 'critical',
  title: 'A devtmpfs is mounted in the jail',
  why: 'It holds every host device node: disks, /dev/mem, kvm.',
  help: 'Use a tmpfs /dev with only the allow-listed nodes.',
  run(ctx) {
    return ctx.mountsUnder
      .filter((m) => m.fstype === 'devtmpfs')
      .map((m) => at(this, 'critical', inJail(m, ctx.jail), describe(m)));
  },
};

const SPECIAL = new Set(['proc', 'devtmpfs', ...KERNEL_FS]);
const CRITICAL_ORIGINS = new Set([
  '/',
  '/etc',
  '/root',
  '/home',
  '/run',
  '/var/run',
  '/var',
  '/usr',
  '/boot',
]);

function isBind(m: MountInfo, ctx: AuditContext): boolean {
  return !SPECIAL.has(m.fstype) && !isJailLocal(m, ctx.mounts, ctx.jail);
}

export const bindMountOutOfJail: Check = {
  id: 'bind-mount-out-of-jail',
  severity: 'critical',
  title: 'A bind or disk mount in the jail',
  why: 'A mount brings outside files into the jail by construction; rw mounts let the jail change them.',
  help: 'Unmount it, or make it read-only, nosuid, nodev if the jail must see those files.',
  run(ctx) {
    const hostRoot = ctx.mounts.find((m) => m.mountPoint === '/');
    const out: Finding[] = [];
    for (const m of ctx.mountsUnder) {
      if (!isBind(m, ctx)) continue;
      const origin = hostOrigin(m, ctx.mounts, ctx.jail);
      const rw = m.options.includes('rw');
      const hostRootFs = hostRoot !== undefined && m.devno === hostRoot.devno && m.root === hostRoot.root;
      let sev: Severity = rw ? 'high' : 'medium';
      if (hostRootFs || (rw && origin !== undefined && CRITICAL_ORIGINS.has(origin))) sev = 'critical';
      const from = origin ?? `${m.source}:${m.root}`;
      out.push(
        at(
          this,
          sev,
          inJail(m, ctx.jail),
          `${m.fstype} ${rw ? 'rw' : 'ro'} mount of ${from}${hostRootFs ? ' (the host root filesystem)' : ''}`,
        ),
      );
    }
    return out;
  },
};

/** proc, sysfs and devpts carry their own safe defaults; not reporting their option lists. */
const OWN_DEFAULTS = new Set(['proc', 'sysfs', 'devpts', 'mqueue']);

export const mountMissingNosuidNodev: Check = {
  id: 'mount-missing-nosuid-nodev',
  severity: 'medium',
  title: 'A mount in the jail without nosuid or nodev',
  why: 'Setuid binaries and device nodes on it keep their power inside the jail.',
  help: 'Remount with -o remount,nosuid,nodev (bwrap mounts tmpfs and proc that way).',
  run(ctx) {
    const out: Finding[] = [];
    for (const m of ctx.mountsUnder) {
      if (OWN_DEFAULTS.has(m.fstype)) continue;
      const missing = ['nosuid', 'nodev'].filter((o) => !m.options.includes(o));
      if (missing.length > 0)
        out.push(
          at(this, 'medium', inJail(m, ctx.jail), `${m.fstype} mounted without ${missing.join(', ')}`),
        );
    }
    return out;
  },
};

export const mountPropagationShared: Check = {
  id: 'mount-propagation-shared',
  severity: 'low',
  title: 'A mount in the jail with shared propagation',
  why: 'Host mount events propagate into the jail, and mounts made in the jail propagate out.',
  help: 'mount --make-private (or --make-rslave) the mount.',
  run(ctx) {
    return ctx.mountsUnder
      .filter((m) => m.optional.some((o) => o.startsWith('shared:')))
      .map((m) => at(this, 'low', inJail(m, ctx.jail), `propagation ${m.optional.join(' ')}`));
  },
};
