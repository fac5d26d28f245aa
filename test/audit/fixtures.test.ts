import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditJail } from '../../src/audit/audit.js';
import { CHECKS } from '../../src/audit/registry.js';
import type { AuditReport, Severity } from '../../src/audit/types.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { Mounts, makeBrokenJail } from './fixture-jail.js';

describeAsRoot('audit: a fixture per check id on a broken jail', () => {
  // Registered first so its removal runs after the unmounting afterAll below (hooks unwind).
  const base = tmpDir('jailsmith-audit-');
  const mounts = new Mounts();
  let jail = '';
  let report: AuditReport;

  beforeAll(async () => {
    try {
      jail = await makeBrokenJail(base, mounts);
      report = await auditJail(jail);
    } catch (e) {
      await mounts.unmount();
      throw e;
    }
  });
  afterAll(async () => {
    await mounts.unmount();
  });

  const expected: [string, string, Severity | undefined][] = [
    ['jail-root-unsafe', '/', 'critical'],
    ['system-dir-not-root-only', '/lib', 'critical'],
    ['system-dir-not-root-only', '/usr/bin', 'critical'],
    ['world-writable-dir-no-sticky', '/usr/bin', 'critical'],
    ['world-writable-dir-no-sticky', '/srv/drop', 'high'],
    ['system-file-writable-by-user', '/bin/sh', 'high'],
    ['loader-or-auth-file-writable', '/etc/ld.so.preload', 'critical'],
    ['setuid-binary', '/bin/su', 'critical'],
    ['setgid-binary', '/usr/bin/wall', 'high'],
    ['file-capabilities', '/usr/bin/tar', 'critical'],
    ['file-capabilities', '/bin/ping', 'low'],
    ['file-capabilities', '/capped', 'critical'],
    ['file-capabilities', '/srv/d\\xfe/chroot', 'critical'],
    ['tool-privileged', '/usr/bin/sudo', 'info'],
    ['block-device', '/dev/sda', 'critical'],
    ['dangerous-char-device', '/dev/mem', 'critical'],
    ['unexpected-char-device', '/dev/foo', 'medium'],
    ['device-outside-dev', '/tmp/.x', 'high'],
    ['hardlink-outside-jail', '/srv/secret', 'medium'],
    ['hardlink-outside-jail', '/usr/bin/pw', 'critical'],
    ['symlink-at-builder-target', '/etc/resolv.conf', 'high'],
    ['symlink-at-builder-target', '/etc/hosts', 'high'],
    ['symlink-climbs-out', '/srv/log', 'medium'],
    ['magic-link', '/hostroot', 'high'],
    ['magic-link', '/dev/fd', 'info'],
    ['procfs-mounted', '/proc', 'critical'],
    ['kernel-fs-mounted', '/sys', 'high'],
    ['devtmpfs-mounted', '/mnt/devtmpfs', 'critical'],
    ['bind-mount-out-of-jail', '/mnt/usr', 'critical'],
    ['mount-missing-nosuid-nodev', '/mnt/usr', 'medium'],
    ['mount-missing-nosuid-nodev', '/run', 'medium'],
    ['mount-propagation-shared', '/mnt/usr', 'low'],
    ['jail-fs-allows-suid', '/', 'info'],
    ['host-daemon-socket', '/run/docker.sock', 'critical'],
    ['host-daemon-socket', '/var/run/dbus/system_bus_socket', 'high'],
    ['log-socket', '/dev/log', 'info'],
    ['unix-socket', '/tmp/app.sock', 'low'],
    ['shadow-real-hash', '/etc/shadow', 'high'],
    ['passwd-empty-password', '/etc/passwd', 'high'],
    ['passwd-extra-uid0', '/etc/passwd', 'high'],
    ['tool-debugger', '/usr/bin/gdb', undefined], // low or medium by the host's Yama setting
    ['tool-compiler', '/usr/bin/gcc', 'info'],
    ['tool-interpreter', '/bin/sh', 'info'],
    ['missing-library', '/usr/bin/broken', 'medium'],
  ];

  it.each(expected)('%s at %s (%s)', (id, p, severity) => {
    const hits = report.findings.filter((f) => f.id === id && f.path === p);
    expect(hits.length, JSON.stringify(report.findings.filter((f) => f.id === id))).toBeGreaterThan(0);
    if (severity) expect(hits.map((h) => h.severity)).toContain(severity);
  });

  it('aggregates absolute symlinks into one info finding with a count', () => {
    const abs = report.findings.filter((f) => f.id === 'symlink-absolute');
    expect(abs).toHaveLength(1);
    expect(abs[0]?.severity).toBe('info');
    expect(abs[0]?.message).toMatch(/^3 symlinks have absolute targets/);
  });

  it('does not walk into foreign mounts (proc, sysfs, devtmpfs, the /usr bind)', () => {
    const inside = report.findings.filter((f) => /^\/(?:proc|sys|mnt\/usr|mnt\/devtmpfs)\//.test(f.path));
    expect(inside).toEqual([]);
    expect(report.summary.entries).toBeLessThan(200);
  });

  it('reports names that are not plain text faithfully: escaped path, raw bytes in base64', () => {
    const bad = report.findings.find((f) => f.id === 'setuid-binary' && f.path === '/tmp/bad\\xff');
    expect(bad?.pathBase64).toBe(Buffer.from('/tmp/bad\xff', 'latin1').toString('base64'));
    const nl = report.findings.find((f) => f.id === 'setuid-binary' && f.path === '/tmp/new\\x0aline');
    expect(Buffer.from(nl?.pathBase64 ?? '', 'base64').toString()).toBe('/tmp/new\nline');
  });

  it('survives a symlink loop and reports the loop at a builder target', () => {
    const hosts = report.findings.find(
      (f) => f.id === 'symlink-at-builder-target' && f.path === '/etc/hosts',
    );
    expect(hosts?.message).toMatch(/loops/);
  });

  it('reports jail-path-symlink when the jail is named through a symlink', async () => {
    const link = path.join(path.dirname(path.dirname(jail)), 'jail-link');
    symlinkSync(jail, link);
    const r = await auditJail(link, { checks: CHECKS.filter((c) => c.id === 'jail-path-symlink') });
    expect(r.findings).toEqual([
      {
        id: 'jail-path-symlink',
        severity: 'high',
        path: '/',
        message: `${link} on the jail path is a symlink`,
      },
    ]);
  });

  it('jail-root-unsafe: a writable ancestor is high, a root-owned sticky one low', async () => {
    const only = { checks: CHECKS.filter((c) => c.id === 'jail-root-unsafe') };
    const fs = path.dirname(jail);
    for (const [mode, sev] of [
      [0o777, 'high'],
      [0o1777, 'low'],
    ] as const) {
      const parent = path.join(fs, `parent-${mode.toString(8)}`);
      mkdirSync(path.join(parent, 'J'), { recursive: true, mode: 0o755 });
      chmodSync(parent, mode);
      const r = await auditJail(path.join(parent, 'J'), only);
      expect(r.findings).toContainEqual(
        expect.objectContaining({ severity: sev, message: expect.stringContaining(`ancestor ${parent}:`) }),
      );
    }
  });

  it('every registered check id is exercised by this fixture or the clean-jail suite', () => {
    const covered = new Set(expected.map((e) => e[0]));
    for (const id of [
      'symlink-absolute',
      'jail-path-symlink',
      'jail-on-host-rootfs',
      'jail-traversable-by-host-users',
      // login jails need a login record beside the jail: test/login/audit.test.ts
      'login-not-jailed',
      'login-home-system-dir',
      'login-chroot-refused',
      'login-keys-user-writable',
      'login-allowlist-writable',
      'login-no-log-socket',
    ]) {
      covered.add(id);
    }
    expect(CHECKS.map((c) => c.id).filter((id) => !covered.has(id))).toEqual([]);
  });
});
