/**
 * The login-* audit checks on a fixture jail with a login record beside it: each id fires on the
 * problem it names, and none fires on a jail without a record. The real-sshd suite checks that a
 * jail `user add` made is clean.
 */
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { auditJail } from '../../src/audit/audit.js';
import { CHECKS } from '../../src/audit/registry.js';
import type { AuditReport } from '../../src/audit/types.js';
import type { LoginUser } from '../../src/login/types.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';

const LOGIN = CHECKS.filter((c) => c.id.startsWith('login-'));

describeAsRoot('audit: login jails', () => {
  const base = tmpDir('jailsmith-login-audit-');
  const jail = path.join(base, 'jail');
  let report: AuditReport;

  beforeAll(async () => {
    for (const d of ['etc/jailsmith/allow', 'usr/lib/jailsmith', 'usr/bin', 'home/u1', 'home/u3'])
      mkdirSync(path.join(jail, d), { recursive: true, mode: 0o755 });
    chmodSync(base, 0o755);
    chmodSync(jail, 0o755);
    chownSync(path.join(jail, 'home/u1'), 3001, 3001);
    // u3's home is below a directory u3 owns.
    mkdirSync(path.join(jail, 'home/u3/inner'));
    chownSync(path.join(jail, 'home/u3'), 3003, 3003);
    writeFileSync(path.join(jail, 'usr/lib/jailsmith/lsh'), '#!/bin/sh\n');
    chmodSync(path.join(jail, 'usr/lib/jailsmith/lsh'), 0o777); // not through the umask
    writeFileSync(path.join(jail, 'etc/jailsmith/allow/u1'), '/usr/bin/ls\n', { mode: 0o644 });
    chownSync(path.join(jail, 'etc/jailsmith/allow/u1'), 3001, 3001);
    const keys = path.join(base, '.jail.jailsmith-keys');
    mkdirSync(keys, { mode: 0o755 });
    writeFileSync(path.join(keys, 'u1'), '');
    chmodSync(path.join(keys, 'u1'), 0o666);
    const dropIn = path.join(base, 'jailsmith-u1.conf');
    writeFileSync(
      dropIn,
      `Match User u1\n\tChrootDirectory ${jail}\n\tAuthorizedKeysFile .ssh/authorized_keys\n`,
    );
    const user = (o: Partial<LoginUser>): LoginUser => ({
      name: 'u1',
      uid: 3001,
      gid: 3001,
      group: 'u1',
      home: '/home/u1',
      shell: '/bin/sh',
      mode: 'shell',
      allow: [],
      created: true,
      jail,
      dropIn,
      keysFile: path.join(keys, 'u1'),
      ...o,
    });
    const users = [
      user({ allow: ['/usr/bin/ls'] }),
      user({ name: 'u2', uid: 3002, gid: 3002, group: 'u2', home: '/etc', keysFile: path.join(keys, 'u2') }),
      user({
        name: 'u3',
        uid: 3003,
        gid: 3003,
        group: 'u3',
        home: '/home/u3/inner',
        keysFile: path.join(keys, 'u3'),
      }),
      // A host account (nobody exists everywhere) recorded here but without its drop-in.
      user({
        name: 'nobody',
        uid: 3004,
        gid: 3004,
        group: 'nobody',
        home: '/home/nobody',
        dropIn: path.join(base, 'gone.conf'),
        keysFile: path.join(keys, 'nobody'),
      }),
    ];
    writeFileSync(
      path.join(base, '.jail.jailsmith-logins.json'),
      JSON.stringify({ format: 1, users, kept: [] }),
      {
        mode: 0o600,
      },
    );
    report = await auditJail(jail, { checks: LOGIN });
  });

  const has = (id: string, p: string, sev: string, msg: RegExp) =>
    expect(report.findings).toContainEqual(
      expect.objectContaining({ id, path: p, severity: sev, message: expect.stringMatching(msg) }),
    );

  it('login-chroot-refused: the jail lies below /tmp, which sshd refuses', () => {
    has('login-chroot-refused', '/', 'high', new RegExp(`component ${path.dirname(base)} `));
  });

  it('login-home-system-dir: a home at /etc, a home below a directory its user owns', () => {
    has('login-home-system-dir', '/etc', 'critical', /u2.*system directory \/etc/);
    has('login-home-system-dir', '/home/u3', 'critical', /owned by u3/);
    expect(
      report.findings.filter((f) => f.id === 'login-home-system-dir' && f.message.includes('u1')),
    ).toEqual([]);
  });

  it('login-keys-user-writable: a writable keys file, and a drop-in reading keys from the home', () => {
    has('login-keys-user-writable', '/', 'high', /keys of u1: .* is group\/other-writable/);
    has('login-keys-user-writable', '/', 'high', /reads? u1's keys from \.ssh\/authorized_keys/);
  });

  it('login-allowlist-writable: the checker writable by all, the list owned by the user', () => {
    has('login-allowlist-writable', '/usr/lib/jailsmith/lsh', 'high', /mode 0777/);
    has('login-allowlist-writable', '/etc/jailsmith/allow/u1', 'high', /uid 3001/);
  });

  it('login-not-jailed: a recorded host account without its drop-in', () => {
    has('login-not-jailed', '/', 'critical', /nobody: no jailsmith drop-in/);
    expect(report.findings.filter((f) => f.id === 'login-not-jailed' && f.message.startsWith('u1'))).toEqual(
      [],
    );
  });

  it('login-no-log-socket: login users and no /dev/log', () => {
    has('login-no-log-socket', '/dev/log', 'info', /not logged/);
  });

  it('no login finding for a jail without a record', async () => {
    const plain = path.join(base, 'plain');
    mkdirSync(path.join(plain, 'etc'), { recursive: true });
    const r = await auditJail(plain, { checks: LOGIN });
    expect(r.findings).toEqual([]);
  });
});
