/**
 * Device nodes: block-device, dangerous-char-device, unexpected-char-device, device-outside-dev.
 * Grouped because they share one decoding and one table; each id is its own check.
 */
import type { Check, Entry, Finding, Severity } from '../types.js';
import { finding, majorMinor } from './util.js';

/** Exact char devices that hand root in the jail the host (capabilities(7): rawio, kvm, loop). */
const CRITICAL_CHAR: Record<string, string> = {
  '1:1': 'mem',
  '1:2': 'kmem',
  '1:4': 'port',
  '10:232': 'kvm',
  '10:237': 'loop-control',
  '10:236': 'mapper/control',
  '10:231': 'snapshot',
  '10:144': 'nvram',
  '10:229': 'fuse',
};
/** Whole majors that are high: msr, cpuid, sg, tty/console (TIOCSTI), vcs, input, fb. */
const HIGH_MAJOR: Record<number, string> = {
  202: 'msr',
  203: 'cpuid',
  21: 'sg',
  4: 'tty',
  7: 'vcs',
  13: 'input',
  29: 'fb',
};
/** What sshd_config(5) and bwrap give a jail: null, zero, full, random, urandom, tty, ptmx, pts. */
const ALLOWED = new Set(['1:3', '1:5', '1:7', '1:8', '1:9', '5:0', '5:2']);

export function dangerous(e: Entry): { severity: Severity; name: string } | undefined {
  if (e.type !== 'char') return undefined;
  const [maj, min] = majorMinor(e.rdev);
  const exact = CRITICAL_CHAR[`${maj}:${min}`];
  // fuse is listed by the catalog with the high majors; keep it there.
  if (exact) return { severity: exact === 'fuse' ? 'high' : 'critical', name: exact };
  const m = HIGH_MAJOR[maj];
  return m ? { severity: 'high', name: m } : undefined;
}

function devNo(e: Entry): string {
  const [maj, min] = majorMinor(e.rdev);
  return `${maj}:${min}`;
}

export const blockDevice: Check = {
  id: 'block-device',
  severity: 'critical',
  title: 'A block device node',
  why: 'Root in the jail mounts the disk behind it and reads or rewrites the host (chw00t -4).',
  help: 'Delete the node; jails need no block devices.',
  run(ctx) {
    return ctx.devices
      .filter((e) => e.type === 'block')
      .map((e) => finding(this, 'critical', e, `block device ${devNo(e)}`));
  },
};

export const dangerousCharDevice: Check = {
  id: 'dangerous-char-device',
  severity: 'critical',
  title: 'A dangerous character device (mem, kmem, port, kvm, loop-control, tty...)',
  why: 'Raw memory, I/O ports, KVM or terminal injection give the host to whoever opens it.',
  help: 'Delete the node; a jail needs only null, zero, full, random, urandom, tty and ptmx.',
  run(ctx) {
    const out: Finding[] = [];
    for (const e of ctx.devices) {
      const d = dangerous(e);
      if (d) out.push(finding(this, d.severity, e, `char device ${devNo(e)} (${d.name})`));
    }
    return out;
  },
};

export const unexpectedCharDevice: Check = {
  id: 'unexpected-char-device',
  severity: 'medium',
  title: 'A character device outside the allow-list',
  why: 'Every extra device node is kernel attack surface the jail does not need.',
  help: 'Delete the node, or allow it with --allow unexpected-char-device:PATH if the jail needs it.',
  run(ctx) {
    return ctx.devices
      .filter((e) => {
        if (e.type !== 'char' || dangerous(e)) return false;
        const [maj] = majorMinor(e.rdev);
        return !ALLOWED.has(devNo(e)) && !(maj >= 136 && maj <= 143);
      })
      .map((e) => finding(this, 'medium', e, `char device ${devNo(e)} is not in the allow-list`));
  },
};

export const deviceOutsideDev: Check = {
  id: 'device-outside-dev',
  severity: 'high',
  title: 'A device node outside /dev',
  why: 'A node hidden elsewhere has the same power as in /dev and escapes review.',
  help: 'Delete it; device nodes belong only in /dev.',
  run(ctx) {
    return ctx.devices
      .filter((e) => !e.path.startsWith('/dev/'))
      .map((e) => finding(this, 'high', e, `${e.type} device ${devNo(e)} outside /dev`));
  },
};
