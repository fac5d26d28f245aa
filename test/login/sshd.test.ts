/**
 * Login jails against a real sshd (issue 19's "Must show"): users made by `jailsmith user add`
 * log in with a key over 127.0.0.1 and land in the jail; a rebuild keeps them; `user remove`
 * leaves nothing behind; bad input is one line, exit 2, and the host untouched.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';
import { isRoot } from '../helpers/root.js';
import { requireThat, requireTool } from '../helpers/tools.js';
import {
  cleanup,
  hostHasGroup,
  hostHasUser,
  hostSnapshot,
  makeEnv,
  type SshdEnv,
  sftp,
  ssh,
  startSshd,
  stopSshd,
} from './sshd-env.js';

const ready =
  requireThat(isRoot, 'login jail tests need root (useradd, sshd, chroot)') &&
  requireTool('sshd', 'openssh-server') &&
  requireTool('ssh', 'openssh-client') &&
  requireTool('sftp', 'openssh-client') &&
  requireTool('useradd', 'passwd') &&
  requireThat(
    existsSync('/usr/lib/openssh/sftp-server'),
    'sftp-server is not installed',
    'apt-get install openssh-sftp-server',
  );

// Names no host can already have: removed in afterAll whatever happens.
const tag = `jst${randomBytes(3).toString('hex')}`;
const SFTP = `${tag}s`;
const SHELL = `${tag}h`;
const LIMITED = `${tag}l`;
const EXISTING = `${tag}e`;
const names = [SFTP, SHELL, LIMITED, EXISTING];

describe.skipIf(!ready)('login jails with a real sshd', () => {
  let env: SshdEnv;
  let sshd: ChildProcess | undefined;
  let sftpJail = '';
  let shellJail = '';
  const sshdFlags = (): string[] => ['--sshd-dir', env.dropIns, '--sshd-config', env.config];

  async function restartSshd(): Promise<void> {
    // sshd reads its drop-ins when it starts: restart after every change of them.
    await stopSshd(sshd);
    sshd = await startSshd(env);
  }

  beforeAll(async () => {
    env = await makeEnv();
    sftpJail = path.join(env.base, 'sftp');
    shellJail = path.join(env.base, 'shell');
    for (const [spec, dir] of [
      ['jails/sftp.yaml', sftpJail],
      ['jails/shell.yaml', shellJail],
    ] as const) {
      const r = await runCli(['build', path.join(REPO, spec), dir]);
      expect(r.exitCode, r.stderr).toBe(0);
    }
  });

  afterAll(async () => {
    await stopSshd(sshd);
    cleanup(env, names);
    for (const n of names) expect(hostHasUser(n), `${n} left on the host`).toBe(false);
  });

  it('user add: an sftp user and two shell users (one limited to ls and cat), sshd -t checked', async () => {
    const sftpAdd = await runCli([
      'user',
      'add',
      SFTP,
      '--jail',
      sftpJail,
      '--key',
      `${env.userKey}.pub`,
      '--json',
      ...sshdFlags(),
    ]);
    expect(sftpAdd.exitCode, sftpAdd.stderr).toBe(0);
    const added = JSON.parse(sftpAdd.stdout);
    expect(added.user).toMatchObject({ name: SFTP, mode: 'sftp', home: `/home/${SFTP}`, created: true });
    const shellAdd = await runCli([
      'user',
      'add',
      SHELL,
      '--jail',
      shellJail,
      '--mode',
      'shell',
      '--key',
      `${env.userKey}.pub`,
      ...sshdFlags(),
    ]);
    expect(shellAdd.exitCode, shellAdd.stderr).toBe(0);
    const limAdd = await runCli([
      'user',
      'add',
      LIMITED,
      '--jail',
      shellJail,
      '--mode',
      'shell',
      '--key',
      `${env.userKey}.pub`,
      '--allow',
      'ls',
      '--allow',
      'cat',
      ...sshdFlags(),
    ]);
    expect(limAdd.exitCode, limAdd.stderr).toBe(0);

    // The host account: password field `*` (not `!`), in the login.defs range, home = the jail home.
    const shadow = readFileSync('/etc/shadow', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${SFTP}:`));
    expect(shadow?.split(':')[1]).toBe('*');
    const pw = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${SFTP}:`))
      ?.split(':');
    expect(Number(pw?.[2])).toBeGreaterThanOrEqual(1000);
    expect(pw?.[5]).toBe(`/home/${SFTP}`);
    // The jail's own passwd has the user; the drop-in is in the test's directory only.
    expect(readFileSync(path.join(sftpJail, 'etc/passwd'), 'utf8')).toContain(`${SFTP}:x:${pw?.[2]}:`);
    expect(readdirSync(env.dropIns).sort()).toEqual(
      [SFTP, SHELL, LIMITED].map((n) => `jailsmith-${n}.conf`).sort(),
    );
    // The allow-list checker and the list are root's, inside the jail.
    for (const p of ['usr/lib/jailsmith/lsh', `etc/jailsmith/allow/${LIMITED}`]) {
      const st = lstatSync(path.join(shellJail, p));
      expect(st.uid).toBe(0);
      expect(st.mode & 0o022).toBe(0);
    }
    const list = await runCli(['user', 'list', '--json', '--sshd-dir', env.dropIns]);
    const listed = JSON.parse(list.stdout) as {
      name: string;
      account: boolean;
      recorded: boolean;
      keys: boolean;
    }[];
    expect(listed.map((u) => u.name).sort()).toEqual([SFTP, SHELL, LIMITED].sort());
    expect(listed.every((u) => u.account && u.recorded && u.keys)).toBe(true);
    await restartSshd();
  });

  it('an sftp user lands in the jail: pwd is the home, ls / lists the jail, put/get work, cd .. stops at /', () => {
    writeFileSync(path.join(env.base, 'up.txt'), 'payload from the client\n');
    const r = sftp(
      env,
      SFTP,
      [
        'pwd',
        'ls -1 /',
        `put ${env.base}/up.txt up.txt`,
        `get up.txt ${env.base}/down.txt`,
        'cd ..',
        'cd ..',
        'cd ..',
        'cd ..',
        'pwd',
        '',
      ].join('\n'),
    );
    expect(r.status, r.stderr).toBe(0);
    const pwds = [...r.stdout.matchAll(/Remote working directory: (\S+)/g)].map((m) => m[1]);
    expect(pwds).toEqual([`/home/${SFTP}`, '/']);
    const listing = r.stdout
      .split('\n')
      .filter((l) => /^\/\w/.test(l))
      .map((l) => l.trim().slice(1));
    expect(listing.sort()).toEqual(readdirSync(sftpJail).sort());
    expect(readFileSync(path.join(sftpJail, 'home', SFTP, 'up.txt'), 'utf8')).toBe(
      'payload from the client\n',
    );
    expect(readFileSync(path.join(env.base, 'down.txt'), 'utf8')).toBe('payload from the client\n');
  });

  it('an ssh command from the sftp user is refused', () => {
    const r = ssh(env, SFTP, ['id']);
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toMatch(/uid=/);
    expect(`${r.stdout}${r.stderr}`).toMatch(/sftp connections only/);
  });

  it("a shell user sees only the jail: ls / and /etc/passwd are the jail's", () => {
    const r = ssh(env, SHELL, ['ls /; cat /etc/passwd']);
    expect(r.status, r.stderr).toBe(0);
    const passwd = readFileSync(path.join(shellJail, 'etc/passwd'), 'utf8');
    expect(r.stdout).toBe(`${readdirSync(shellJail).sort().join('\n')}\n${passwd}`);
    expect(r.stdout).not.toContain('/var/lib'); // no host account with a host home shows up
  });

  it('port forwarding is refused (local -W and remote -R)', () => {
    const local = ssh(env, SHELL, [], ['-W', `127.0.0.1:${env.port}`]);
    expect(local.status).toBe(255);
    expect(local.stderr).toMatch(/forwarding failed|prohibited/);
    const remote = ssh(
      env,
      SHELL,
      [],
      ['-N', '-o', 'ExitOnForwardFailure=yes', '-R', `0:127.0.0.1:${env.port}`],
    );
    expect(remote.status).toBe(255);
    expect(remote.stderr).toMatch(/remote port forwarding failed/);
  });

  it('an allow-listed user runs listed commands only, never through a shell', () => {
    const ok = ssh(env, LIMITED, ['ls /']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout.split('\n').filter(Boolean).sort()).toEqual(readdirSync(shellJail).sort());
    const id = ssh(env, LIMITED, ['id']);
    expect(id.status).toBe(126);
    expect(id.stderr).toMatch(/not allowed: id/);
    const chained = ssh(env, LIMITED, ['cat /etc/passwd; id']);
    expect(chained.stdout).not.toMatch(/uid=/);
    const interactive = ssh(env, LIMITED, []);
    expect(interactive.status).not.toBe(0);
    expect(interactive.stderr).toMatch(/no interactive login/);
  });

  it('the audit knows the login jail: clean as made, and names keys the user could rewrite', async () => {
    const clean = await runCli(['audit', shellJail, '--json']);
    const ids = (JSON.parse(clean.stdout).findings as { id: string; severity: string }[]).map((f) => f.id);
    expect(ids).toContain('login-no-log-socket');
    expect(ids.filter((i) => i.startsWith('login-') && i !== 'login-no-log-socket')).toEqual([]);
    const keys = path.join(env.base, '.shell.jailsmith-keys', SHELL);
    chmodSync(keys, 0o666);
    try {
      const bad = await runCli(['audit', shellJail, '--json']);
      const f = (JSON.parse(bad.stdout).findings as { id: string; message: string }[]).filter(
        (x) => x.id === 'login-keys-user-writable',
      );
      expect(f.map((x) => x.message).join()).toContain(keys);
    } finally {
      chmodSync(keys, 0o644);
    }
  });

  it('a rebuild keeps the login users, their homes and files, and they still log in', async () => {
    const r = await runCli(['build', path.join(REPO, 'jails/sftp.yaml'), sftpJail, '--force']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(path.join(sftpJail, 'etc/passwd'), 'utf8')).toContain(`${SFTP}:x:`);
    expect(readFileSync(path.join(sftpJail, 'home', SFTP, 'up.txt'), 'utf8')).toBe(
      'payload from the client\n',
    );
    const s = await runCli(['build', path.join(REPO, 'jails/shell.yaml'), shellJail, '--force']);
    expect(s.exitCode, s.stderr).toBe(0);
    expect(lstatSync(path.join(shellJail, 'usr/lib/jailsmith/lsh')).uid).toBe(0);
    // A plain rebuild right after changes nothing: user add wrote what a rebuild writes.
    const again = await runCli(['build', path.join(REPO, 'jails/shell.yaml'), shellJail, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ written: false, added: [], changed: [], removed: [] });
    const pwd = sftp(env, SFTP, 'pwd\n');
    expect(pwd.stdout).toContain(`Remote working directory: /home/${SFTP}`);
    const ls = ssh(env, LIMITED, ['ls /']);
    expect(ls.status, ls.stderr).toBe(0);
  });

  it('a drop-in is checked by sshd -t before it is installed', async () => {
    const { sshdTestCandidate, renderDropIn } = await import('../../src/login/dropin.js');
    const before = readdirSync(env.dropIns);
    expect(sshdTestCandidate(env.config, 'jstcheck', 'Match User jstcheck\n\tNoSuchOption yes\n')).toMatch(
      /NoSuchOption|Bad configuration/i,
    );
    const good = renderDropIn({
      name: 'jstcheck',
      uid: 5000,
      gid: 5000,
      group: 'jstcheck',
      home: '/home/jstcheck',
      shell: '/bin/sh',
      mode: 'sftp',
      allow: [],
      created: true,
      jail: sftpJail,
      dropIn: path.join(env.dropIns, 'jailsmith-jstcheck.conf'),
      keysFile: path.join(env.base, 'k'),
    });
    expect(sshdTestCandidate(env.config, 'jstcheck', good)).toBeNull();
    expect(readdirSync(env.dropIns)).toEqual(before);
  });

  describe('bad input: one line, exit 2, host passwd/group/shadow and sshd config unchanged', () => {
    async function refused(args: string[], pattern: RegExp): Promise<void> {
      const before = hostSnapshot(env);
      const r = await runCli(args);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
      expect(hostSnapshot(env)).toEqual(before);
    }

    it('a jail path that breaks the ChrootDirectory rules, with the component named', async () => {
      const open = path.join(env.base, 'open');
      mkdirSync(path.join(open, 'jail/etc'), { recursive: true });
      chmodSync(open, 0o777);
      await refused(
        ['user', 'add', `${tag}x`, '--jail', path.join(open, 'jail'), ...sshdFlags()],
        new RegExp(`component ${open} .*writable`),
      );
      expect(hostHasUser(`${tag}x`) || hostHasGroup(`${tag}x`)).toBe(false);
    });

    it('a name that is an existing account, without --existing', async () => {
      await refused(
        ['user', 'add', 'nobody', '--jail', sftpJail, ...sshdFlags()],
        /existing account.*--existing/,
      );
    });

    it('a key file that does not parse', async () => {
      const key = path.join(env.base, 'bad.pub');
      writeFileSync(key, 'ssh-ed25519 not-base64!!\n');
      await refused(
        ['user', 'add', `${tag}y`, '--jail', sftpJail, '--key', key, ...sshdFlags()],
        /key file does not parse/,
      );
      writeFileSync(key, readFileSync(env.userKey));
      await refused(
        ['user', 'add', `${tag}y`, '--jail', sftpJail, '--key', key, ...sshdFlags()],
        /private key/,
      );
    });

    it('a drop-in sshd would not apply (its directory not included) is taken back', async () => {
      const other = path.join(env.base, 'not-included');
      mkdirSync(other, { mode: 0o755 });
      await refused(
        ['user', 'add', `${tag}z`, '--jail', sftpJail, '--sshd-dir', other, '--sshd-config', env.config],
        /would not apply the drop-in.*taken back/,
      );
      expect(readdirSync(other)).toEqual([]);
    });
  });

  it('user remove leaves no account and no drop-in, sshd -t passes, and keeps the home unless told', async () => {
    const keep = await runCli(['user', 'remove', SFTP, ...sshdFlags()]);
    expect(keep.exitCode, keep.stderr).toBe(0);
    expect(hostHasUser(SFTP)).toBe(false);
    expect(hostHasGroup(SFTP)).toBe(false);
    expect(existsSync(path.join(env.dropIns, `jailsmith-${SFTP}.conf`))).toBe(false);
    expect(readFileSync(path.join(sftpJail, 'etc/passwd'), 'utf8')).not.toContain(SFTP);
    expect(readFileSync(path.join(sftpJail, 'home', SFTP, 'up.txt'), 'utf8')).toBe(
      'payload from the client\n',
    );
    // The kept home survives a rebuild too.
    const rebuilt = await runCli(['build', path.join(REPO, 'jails/sftp.yaml'), sftpJail, '--force']);
    expect(rebuilt.exitCode, rebuilt.stderr).toBe(0);
    expect(existsSync(path.join(sftpJail, 'home', SFTP, 'up.txt'))).toBe(true);

    for (const n of [SHELL, LIMITED]) {
      const r = await runCli(['user', 'remove', n, '--purge-home', ...sshdFlags()]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(hostHasUser(n)).toBe(false);
      expect(existsSync(path.join(shellJail, 'home', n))).toBe(false);
    }
    expect(readdirSync(env.dropIns)).toEqual([]);
    expect(existsSync(path.join(shellJail, 'usr/lib/jailsmith'))).toBe(false);
    const t = spawnSync('/usr/sbin/sshd', ['-t', '-f', env.config]);
    expect(t.status, String(t.stderr)).toBe(0);
    // Once removed, no key logs in any more (sshd restarted with the drop-ins gone).
    await restartSshd();
    expect(ssh(env, SHELL, ['true']).status).toBe(255);
    // The kept home goes only when asked.
    const purge = await runCli(['user', 'remove', SFTP, '--jail', sftpJail, '--purge-home', ...sshdFlags()]);
    expect(purge.exitCode, purge.stderr).toBe(0);
    expect(existsSync(path.join(sftpJail, 'home', SFTP))).toBe(false);
  });

  it('--existing jails an account the host has, and user remove leaves that account in place', async () => {
    const made = spawnSync('useradd', [
      '-M',
      '-d',
      `/home/${EXISTING}`,
      '-s',
      '/bin/bash',
      '-p',
      '*',
      '-K',
      'SUB_UID_COUNT=0',
      '-K',
      'SUB_GID_COUNT=0',
      '-U',
      EXISTING,
    ]);
    expect(made.status, String(made.stderr)).toBe(0);
    const add = await runCli([
      'user',
      'add',
      EXISTING,
      '--existing',
      '--mode',
      'shell',
      '--jail',
      shellJail,
      '--key',
      `${env.userKey}.pub`,
      '--json',
      ...sshdFlags(),
    ]);
    expect(add.exitCode, add.stderr).toBe(0);
    const u = JSON.parse(add.stdout).user;
    expect(u).toMatchObject({ created: false, home: `/home/${EXISTING}`, shell: '/bin/bash' });
    await restartSshd();
    const r = ssh(env, EXISTING, ['id -u; pwd; cat /etc/passwd']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `${u.uid}\n/home/${EXISTING}\n${readFileSync(path.join(shellJail, 'etc/passwd'), 'utf8')}`,
    );
    const rm = await runCli(['user', 'remove', EXISTING, '--purge-home', ...sshdFlags()]);
    expect(rm.exitCode, rm.stderr).toBe(0);
    expect(hostHasUser(EXISTING)).toBe(true);
    expect(readdirSync(env.dropIns)).toEqual([]);
    expect(readFileSync(path.join(shellJail, 'etc/passwd'), 'utf8')).not.toContain(EXISTING);
  });
});
