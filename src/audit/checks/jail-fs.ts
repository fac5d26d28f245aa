/** The filesystem holding the jail: jail-on-host-rootfs and jail-fs-allows-suid. */
import { lstatSync, readFileSync } from 'node:fs';
import type { Check, Finding } from '../types.js';
import { at } from './util.js';

export const jailOnHostRootfs: Check = {
  id: 'jail-on-host-rootfs',
  severity: 'medium',
  title: 'The jail shares a filesystem with the host root',
  why: 'Hard links from host setuid files into the jail are possible on a shared filesystem.',
  help: 'Put jails on their own filesystem mounted nosuid,nodev.',
  run(ctx) {
    const host = lstatSync('/', { bigint: true });
    if (host.dev !== ctx.root.dev) return [];
    let protectedLinks = true;
    try {
      protectedLinks = readFileSync('/proc/sys/fs/protected_hardlinks', 'utf8').trim() !== '0';
    } catch {}
    const sev = ctx.hasPrivilegedFiles && !protectedLinks ? 'medium' : 'info';
    const note = protectedLinks ? '' : ' and fs.protected_hardlinks is 0';
    return [at(this, sev, '/', `the jail is on the host root filesystem${note}`)];
  },
};

export const jailFsAllowsSuid: Check = {
  id: 'jail-fs-allows-suid',
  severity: 'info',
  title: 'The filesystem holding the jail allows setuid or device files',
  why: 'A nosuid,nodev mount disarms any setuid binary or device node that slips into the jail.',
  help: 'Mount the filesystem holding jails with nosuid,nodev.',
  run(ctx) {
    const m = ctx.jailMount;
    if (!m) return [];
    const missing = ['nosuid', 'nodev'].filter((o) => !m.options.includes(o));
    if (missing.length === 0) return [];
    const f: Finding = at(
      this,
      'info',
      '/',
      `${m.mountPoint} (${m.fstype}) is mounted without ${missing.join(', ')}`,
    );
    return [f];
  },
};
