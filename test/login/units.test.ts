import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoginError } from '../../src/errors.js';
import { mergeAccounts, mergeAll } from '../../src/login/accounts-text.js';
import { chrootProblems } from '../../src/login/chroot-rules.js';
import { parseDropIn, renderDropIn } from '../../src/login/dropin.js';
import { parseKeys } from '../../src/login/keys.js';
import { checkConfigPath, checkUserName, systemHomeReason } from '../../src/login/names.js';
import { withLogins } from '../../src/login/plan-merge.js';
import type { LoginUser } from '../../src/login/types.js';
import { groupText, passwdText, shadowText } from '../../src/plan/accounts.js';
import { generatedFile } from '../../src/plan/generated.js';
import type { JailPlan } from '../../src/plan/types.js';
import { tmpDir } from '../helpers/tmp.js';
import { toolPath } from '../helpers/tools.js';

const user = (over: Partial<LoginUser> = {}): LoginUser => ({
  name: 'alice',
  uid: 2001,
  gid: 2001,
  group: 'alice',
  home: '/home/alice',
  shell: '/usr/sbin/nologin',
  mode: 'sftp',
  allow: [],
  created: true,
  jail: '/srv/jails/sftp',
  dropIn: '/etc/ssh/sshd_config.d/jailsmith-alice.conf',
  keysFile: '/srv/jails/.sftp.jailsmith-keys/alice',
  ...over,
});

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof LoginError) return e.code;
    throw e;
  }
  return 'none';
}

// A real ed25519 public key: its blob starts with the string "ssh-ed25519".
const ED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHxG0n2y5t8m5h8Vd4o5pbdQ7Fj4xL4qfE0m6d3k2Z1b alice@host';

describe('parseKeys', () => {
  it('takes ssh-keygen public keys, comments and blank lines', () => {
    const keys = parseKeys(`# mine\n\n${ED}\n`, 'k.pub');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ type: 'ssh-ed25519', comment: 'alice@host' });
  });

  it('refuses a private key, options, a wrong blob, garbage and an empty file', () => {
    expect(code(() => parseKeys('-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n', 'k'))).toBe(
      'LOGIN_KEY_INVALID',
    );
    expect(code(() => parseKeys(`command="ls" ${ED}`, 'k'))).toBe('LOGIN_KEY_INVALID');
    expect(code(() => parseKeys('ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIHxG0n2y', 'k'))).toBe('LOGIN_KEY_INVALID');
    expect(code(() => parseKeys('this is not a key', 'k'))).toBe('LOGIN_KEY_INVALID');
    expect(code(() => parseKeys('\n# nothing\n', 'k'))).toBe('LOGIN_KEY_INVALID');
  });

  it('agrees with ssh-keygen on a key it made', () => {
    const kg = toolPath('ssh-keygen');
    if (kg === null) return;
    const dir = tmpDir('jailsmith-login-key-');
    execFileSync(kg, ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
    expect(parseKeys(readFileSync(path.join(dir, 'k.pub'), 'utf8'), 'k.pub')).toHaveLength(1);
    expect(code(() => parseKeys(readFileSync(path.join(dir, 'k'), 'utf8'), 'k'))).toBe('LOGIN_KEY_INVALID');
  });
});

describe('names', () => {
  it('takes portable login names and sshd-safe paths only', () => {
    expect(checkUserName('jstest_1-a')).toBe('jstest_1-a');
    for (const bad of ['Root', '1abc', 'a:b', 'a b', 'a%u', '', 'x'.repeat(33)])
      expect(code(() => checkUserName(bad))).toBe('LOGIN_BAD_NAME');
    expect(code(() => checkConfigPath('/srv/my jail', 'jail'))).toBe('LOGIN_BAD_PATH');
    expect(code(() => checkConfigPath('/srv/%u', 'jail'))).toBe('LOGIN_BAD_PATH');
    expect(checkConfigPath('/srv/jails/../jails/sftp', 'jail')).toBe('/srv/jails/sftp');
  });

  it('names homes that would hand a system directory to the user', () => {
    expect(systemHomeReason('/')).toMatch(/root/);
    expect(systemHomeReason('/etc/alice')).toMatch(/\/etc/);
    expect(systemHomeReason('/usr')).toMatch(/\/usr/);
    expect(systemHomeReason('/home/alice')).toBeNull();
  });
});

describe('mergeAccounts', () => {
  const spec = [{ name: 'app', uid: 1000, gid: 1000, home: '/home/app', shell: '/bin/sh', gecos: '' }];
  const files = {
    passwd: passwdText(spec),
    group: groupText([{ name: 'app', gid: 1000, members: [] }]),
    shadow: shadowText(spec),
  };

  it('adds a login user in id order, is idempotent, and drops it again byte for byte', () => {
    const added = mergeAll(files, [user()]);
    expect(added.passwd).toBe(
      'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nalice:x:2001:2001:alice:/home/alice:/usr/sbin/nologin\n',
    );
    expect(added.shadow.split('\n')[2]).toBe('alice:*::0:99999:7:::');
    expect(mergeAll(added, [user()])).toEqual(added);
    expect(mergeAll(added, [], { users: ['alice'], groups: ['alice'] })).toEqual(files);
  });

  it('refuses a name or an id the jail gives someone else', () => {
    expect(code(() => mergeAccounts(files.passwd, 'passwd', [user({ name: 'app' })]))).toBe(
      'LOGIN_JAIL_ACCOUNT_CONFLICT',
    );
    expect(code(() => mergeAccounts(files.passwd, 'passwd', [user({ uid: 1000 })]))).toBe(
      'LOGIN_JAIL_ACCOUNT_CONFLICT',
    );
  });
});

describe('renderDropIn', () => {
  it('sftp: chroot, internal-sftp, managed keys, no forwarding, no tty; the header reads back', () => {
    const text = renderDropIn(user());
    expect(text).toMatch(/^Match User alice$/m);
    expect(text).toMatch(/^\tChrootDirectory \/srv\/jails\/sftp$/m);
    expect(text).toMatch(/^\tForceCommand internal-sftp$/m);
    expect(text).toMatch(/^\tAuthorizedKeysFile \/srv\/jails\/\.sftp\.jailsmith-keys\/alice$/m);
    for (const l of [
      'DisableForwarding yes',
      'AllowTcpForwarding no',
      'AllowAgentForwarding no',
      'X11Forwarding no',
      'PermitTunnel no',
      'PermitTTY no',
    ])
      expect(text).toContain(`\t${l}\n`);
    expect(parseDropIn(text)).toEqual(user());
  });

  it('shell: a tty and no ForceCommand; with an allow-list, the checker and no tty', () => {
    const shell = renderDropIn(user({ mode: 'shell', shell: '/bin/bash' }));
    expect(shell).toContain('\tPermitTTY yes\n');
    expect(shell).not.toContain('ForceCommand');
    const lsh = renderDropIn(user({ mode: 'shell', shell: '/bin/sh', allow: ['/usr/bin/ls'] }));
    expect(lsh).toContain('\tForceCommand /usr/lib/jailsmith/lsh /etc/jailsmith/allow/alice\n');
    expect(lsh).toContain('\tPermitTTY no\n');
  });
});

describe('chrootProblems', () => {
  it('names each component sshd would refuse: group/other-writable, not root, a symlink', () => {
    const base = tmpDir('jailsmith-login-chroot-');
    chmodSync(base, 0o755);
    mkdirSync(path.join(base, 'open/jail'), { recursive: true });
    chmodSync(path.join(base, 'open'), 0o777);
    const found = chrootProblems(path.join(base, 'open/jail'));
    expect(found.map((p) => p.path)).toContain(path.join(base, 'open'));
    expect(found.find((p) => p.path === path.join(base, 'open'))?.why).toMatch(/writable/);
    // /tmp itself is sticky 1777: sshd refuses it like any other writable component.
    expect(found.map((p) => p.path)).toContain(path.dirname(base));
  });
});

describe('withLogins', () => {
  const plan = (): JailPlan => ({
    format: 1,
    name: 't',
    source: '/',
    entries: [
      { type: 'dir', path: '/etc', mode: 0o755, uid: 0, gid: 0 },
      generatedFile('/etc/group', groupText([])),
      generatedFile('/etc/passwd', passwdText([])),
      generatedFile('/etc/shadow', shadowText([]), 0o600),
    ],
    notes: [],
    run: {} as JailPlan['run'],
    audit: {} as JailPlan['audit'],
  });

  it('puts users, their kept homes and the allow-list machinery into the plan', () => {
    const u = user({ mode: 'shell', shell: '/bin/sh', allow: ['/usr/bin/ls'] });
    const p = withLogins(plan(), {
      users: [u],
      kept: [{ name: 'bob', home: '/home/bob', uid: 2002, gid: 2002 }],
    });
    const by = new Map(p.entries.map((e) => [e.path, e]));
    expect(by.get('/etc/passwd')).toMatchObject({ content: expect.stringContaining('alice:x:2001:2001:') });
    expect(by.get('/home/alice')).toMatchObject({ type: 'dir', uid: 2001, mode: 0o700, preserve: true });
    expect(by.get('/home/bob')).toMatchObject({ type: 'dir', uid: 2002, preserve: true });
    expect(by.get('/usr/lib/jailsmith/lsh')).toMatchObject({ type: 'generated', uid: 0, mode: 0o755 });
    expect(by.get('/etc/jailsmith/allow/alice')).toMatchObject({
      content: expect.stringContaining('/usr/bin/ls\n'),
    });
    const paths = p.entries.map((e) => e.path);
    expect(paths).toEqual([...paths].sort());
  });

  it('changes nothing without login users', () => {
    const p = plan();
    expect(withLogins(p, { users: [], kept: [] })).toBe(p);
  });
});

describe('transaction', () => {
  it('takes back the steps done, in reverse, and names an undo that failed', async () => {
    const { transaction } = await import('../../src/login/steps.js');
    const log: string[] = [];
    const step = (n: string, fail = false) =>
      [
        n,
        () => {
          if (fail) throw new LoginError('LOGIN_TEST', `${n} failed`);
          log.push(`do ${n}`);
          return () => {
            log.push(`undo ${n}`);
            if (n === 'b') throw new Error('b stuck');
          };
        },
      ] as [string, () => () => void];
    let err: Error | undefined;
    try {
      transaction([step('a'), step('b'), step('c', true)]);
    } catch (e) {
      err = e as Error;
    }
    expect(log).toEqual(['do a', 'do b', 'undo b', 'undo a']);
    expect(err?.message).toBe('c failed; could not take back: b: b stuck');
  });
});
