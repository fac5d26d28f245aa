import { describe, expect, it } from 'vitest';
import { parseAllow } from '../../src/audit/allow.js';
import { capNames } from '../../src/audit/capabilities.js';
import { majorMinor } from '../../src/audit/checks/util.js';
import { decodeFileCap, planArgs } from '../../src/audit/fcaps.js';
import { printable } from '../../src/audit/names.js';
import type { Entry } from '../../src/audit/types.js';
import { parseGetfattr, parseMountinfo } from '../../src/sys/index.js';

describe('printable names', () => {
  it('passes plain UTF-8 through and escapes controls, backslash and invalid bytes', () => {
    expect(printable(Buffer.from('ünïcode'))).toEqual({ text: 'ünïcode', escaped: false });
    expect(printable(Buffer.from('a\nb'))).toEqual({ text: 'a\\x0ab', escaped: true });
    expect(printable(Buffer.from('a\\b'))).toEqual({ text: 'a\\\\b', escaped: true });
    expect(printable(Buffer.from([0x61, 0xff, 0xc3, 0xa9]))).toEqual({ text: 'a\\xffé', escaped: true });
    // A right-to-left override would make the name print reversed.
    expect(printable(Buffer.from('a\u202egpj.exe'))).toEqual({ text: 'a\\u{202e}gpj.exe', escaped: true });
    expect(printable(Buffer.from([0xff, 0xe2, 0x80, 0xae]))).toEqual({
      text: '\\xff\\u{202e}',
      escaped: true,
    });
  });
});

describe('mountinfo', () => {
  it('parses fields and unescapes octal in paths', () => {
    const line =
      '36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 shared:7 - ext3 /dev/root rw,errors=continue\n' +
      '40 36 0:5 / /j/proc rw,nosuid,nodev,noexec - proc proc rw\n';
    const [a, b] = parseMountinfo(Buffer.from(line));
    expect(a).toMatchObject({
      id: 36,
      parent: 35,
      devno: '98:0',
      root: '/mnt1',
      mountPoint: '/mnt/with space',
      options: ['rw', 'noatime'],
      optional: ['master:1', 'shared:7'],
      fstype: 'ext3',
      source: '/dev/root',
    });
    expect(b?.fstype).toBe('proc');
    expect(b?.options).toContain('nosuid');
  });
});

describe('file capabilities', () => {
  it('decodes a v2 xattr: cap_net_raw+ep', () => {
    const cap = decodeFileCap(Buffer.from('0100000200200000000000000000000000000000', 'hex'));
    expect(cap?.version).toBe(2);
    expect(cap?.effective).toBe(true);
    expect(capNames(cap?.permitted ?? 0n)).toEqual(['cap_net_raw']);
  });
  it('decodes a v3 xattr with its rootid and a high-word cap (cap_bpf = 39)', () => {
    const b = Buffer.alloc(24);
    b.writeUInt32LE(0x03000000, 0);
    b.writeUInt32LE(1 << 21, 4); // sys_admin
    b.writeUInt32LE(1 << (39 - 32), 12);
    b.writeUInt32LE(100000, 20);
    const cap = decodeFileCap(b);
    expect(cap).toMatchObject({ version: 3, effective: false, rootid: 100000 });
    expect(capNames(cap?.permitted ?? 0n)).toEqual(['cap_sys_admin', 'cap_bpf']);
  });
  it('rejects truncated or unknown revisions', () => {
    expect(decodeFileCap(Buffer.from('01000002', 'hex'))).toBeUndefined();
    expect(decodeFileCap(Buffer.alloc(20, 0))).toBeUndefined();
  });
  it('parses getfattr output with octal-escaped names', () => {
    const out = Buffer.from(
      '# file: /j/x\\012y\nsecurity.capability=0x0100000200200000000000000000000000000000\n\n',
    );
    const m = parseGetfattr(out);
    expect([...m.keys()]).toEqual(['/j/x\ny']);
  });
});

describe('device numbers', () => {
  it('splits rdev like glibc, including large minors', () => {
    expect(majorMinor(0x0801n)).toEqual([8, 1]);
    expect(majorMinor((259n << 8n) | 5n)).toEqual([259, 5]);
    // makedev(1, 300): minor high bits live at 12..31
    expect(majorMinor((1n << 8n) | (300n & 0xffn) | ((300n & ~0xffn) << 12n))).toEqual([1, 300]);
  });
});

describe('allow rules', () => {
  const ids = ['setuid-binary', 'unix-socket'];
  it('matches by id and by glob over in-jail paths', () => {
    const r = parseAllow('setuid-binary:/usr/bin/*', ids);
    expect(r.test({ id: 'setuid-binary', severity: 'critical', path: '/usr/bin/su', message: '' })).toBe(
      true,
    );
    expect(r.test({ id: 'setuid-binary', severity: 'critical', path: '/bin/su', message: '' })).toBe(false);
    expect(
      parseAllow('unix-socket', ids).test({ id: 'unix-socket', severity: 'low', path: '/x', message: '' }),
    ).toBe(true);
  });
  it('refuses an unknown id', () => {
    expect(() => parseAllow('no-such-check', ids)).toThrow(/unknown check id/);
  });
});

describe('getfattr argument plan', () => {
  const e = (p: string, type: Entry['type'], extra: Partial<Entry> = {}): Entry => ({
    path: p,
    host: `/j${p === '/' ? '' : p}`,
    type,
    mode: 0o755,
    uid: 0,
    gid: 0,
    dev: 1n,
    ino: 1n,
    nlink: 1n,
    rdev: 0n,
    size: 0n,
    inMount: false,
    nosuid: false,
    ...extra,
  });
  it('passes a jail without foreign mounts as one recursive root', () => {
    const plan = planArgs([e('/', 'dir'), e('/bin', 'dir'), e('/bin/sh', 'file')]);
    expect(plan.roots.map((x) => x.path)).toEqual(['/']);
    expect(plan.singles).toEqual([]);
  });
  it('expands the directories above a foreign mount and never passes the mount', () => {
    const plan = planArgs([
      e('/', 'dir'),
      e('/bin', 'dir'),
      e('/top', 'file'),
      e('/mnt', 'dir'),
      e('/mnt/usr', 'dir', { foreign: true }),
      e('/mnt/f', 'file'),
      e('/weird', 'dir', { host: Buffer.from('/j/weird\xff', 'latin1') }),
      e('/weird/x', 'file', { host: Buffer.from('/j/weird\xff/x', 'latin1') }),
    ]);
    expect(plan.roots.map((x) => x.path)).toEqual(['/bin']);
    expect(plan.singles.map((x) => x.path)).toEqual(['/top', '/mnt/f', '/weird/x']);
  });
});
