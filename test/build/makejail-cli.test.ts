import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { buildCli, inJail, isOneLineError, writeSpec } from '../helpers/distro-jail.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';

const IMPORTS = 'import ssl, json, email.mime.text';

describeAsRoot('trace: makejail loop', () => {
  const work = tmpDir('jailsmith-trace-');

  it('without discovery python3 alone fails to import the stdlib; a trace makes it work, as discovery does', async () => {
    const bare = writeSpec(work, 'py-bare', { binaries: ['/usr/bin/python3'], discover: false });
    const bareJail = path.join(work, 'bare-jail');
    await buildCli(bare, bareJail);
    const before = await inJail(bareJail, ['/usr/bin/python3', '-c', IMPORTS]);
    expect(before.exitCode).not.toBe(0);

    // Discovery (on by default) gives python3 its profile, and so its standard library.
    const found = writeSpec(work, 'py-found', { binaries: ['/usr/bin/python3'] });
    const foundJail = path.join(work, 'found-jail');
    await buildCli(found, foundJail);
    const discovered = await inJail(foundJail, ['/usr/bin/python3', '-c', `${IMPORTS}; print(1)`]);
    expect(discovered.stdout).toBe('1');

    const spec = writeSpec(work, 'py-traced', {
      binaries: ['/usr/bin/python3'],
      discover: false,
      trace: [`python3 -c '${IMPORTS}'`],
    });
    const jail = path.join(work, 'py-jail');
    const r = await buildCli(spec, jail);
    expect(r.stderr).toMatch(/trace round 1: exit 0/);
    const after = await inJail(jail, ['/usr/bin/python3', '-c', `${IMPORTS}; print(json.dumps([1]))`]);
    expect(after.stderr).toBe('');
    expect(after.stdout).toBe('[1]');
    expect(existsSync(path.join(jail, 'proc'))).toBe(false);
  });

  it('adds in a later round what only the jail run looks for', async () => {
    // On the host /proc exists and the command stops there; in the jail it falls through to cat.
    const spec = writeSpec(work, 'fallback', {
      binaries: ['/bin/sh', '/bin/cat'],
      trace: [{ command: '[ -e /proc/self/exe ] || cat /etc/debian_version', shell: true }],
    });
    const jail = path.join(work, 'fallback-jail');
    const r = await buildCli(spec, jail);
    expect(r.stderr).toMatch(/trace round 1: exit 1 in the jail; added 1: \/etc\/debian_version/);
    expect(r.stderr).toMatch(/trace round 2: exit 0 in the jail; nothing missing/);
    expect(existsSync(path.join(jail, 'etc/debian_version'))).toBe(true);
  });

  it('runs the confirming rounds as run.user', async () => {
    // nobody (the host trace's user) stops at the test; uid 1000 in the jail falls through to cat
    const spec = writeSpec(work, 'as-user', {
      binaries: ['/bin/sh', '/bin/cat', '/usr/bin/id'],
      users: [{ name: 'app', uid: 1000, gid: 1000 }],
      run: { user: 'app' },
      trace: [{ command: '[ "$(id -u)" = 65534 ] || cat /etc/debian_version', shell: true }],
    });
    const r = await buildCli(spec, path.join(work, 'user-jail'));
    expect(r.stderr).toMatch(/trace round 1: exit 1 in the jail; added \d+: [^\n]*\/etc\/debian_version/);
  });

  it("confirms inside the jail even when run.env's PATH lacks /usr/sbin, and copies no host nsswitch.conf", async () => {
    // chroot lives in /usr/sbin: looked up on this PATH, the confirmation used to run nothing.
    // chroot --userspec reads passwd, group and nsswitch.conf itself: not the command's needs.
    const spec = writeSpec(work, 'narrow-path', {
      binaries: ['/bin/sh', '/bin/cat'],
      users: [{ name: 'app', uid: 1000, gid: 1000 }],
      run: { user: 'app', env: { PATH: '/usr/bin:/bin' } },
      discover: false,
      trace: [{ command: 'cat /etc/debian_version', shell: true }],
    });
    const jail = path.join(work, 'narrow-jail');
    const r = await buildCli(spec, jail);
    expect(r.stderr).toMatch(/trace round 1: exit 0 in the jail; nothing missing/);
    expect(existsSync(path.join(jail, 'etc/nsswitch.conf'))).toBe(false);
  });

  it("never copies the host's nsswitch.conf, from the host trace or a confirming round", async () => {
    const spec = writeSpec(work, 'nss-user', {
      binaries: ['/bin/sh', '/usr/bin/id'],
      users: [{ name: 'app', uid: 1000, gid: 1000 }],
      run: { user: 'app' },
      discover: false,
      trace: [{ command: 'id -un', shell: true }],
    });
    const jail = path.join(work, 'nss-jail');
    const r = await buildCli(spec, jail);
    expect(r.stderr).toMatch(/the host's is not copied/);
    expect(existsSync(path.join(jail, 'etc/nsswitch.conf'))).toBe(false);
  });

  it('says which devices the command looked for in the jail', async () => {
    // discover off: it would add /dev/null itself (dash names it), and this is about the trace loop.
    const spec = writeSpec(work, 'needs-null', {
      binaries: ['/bin/sh'],
      discover: false,
      trace: [{ command: 'echo hi >/dev/null', shell: true }],
    });
    const r = await buildCli(spec, path.join(work, 'null-jail'));
    expect(r.stderr).toMatch(/looked for \/dev\/null inside the jail; list them under devices/);
    const withNull = writeSpec(work, 'has-null', {
      binaries: ['/bin/sh'],
      devices: ['null'],
      trace: [{ command: 'echo hi >/dev/null', shell: true }],
    });
    const ok = await buildCli(withNull, path.join(work, 'null-jail2'));
    expect(ok.stderr).toMatch(/trace round 1: exit 0 in the jail; nothing missing/);
    expect(ok.stderr).not.toMatch(/looked for/);
  });

  it('a trace command that fails on the host is an input error naming it', async () => {
    const spec = writeSpec(work, 'bad-trace', {
      binaries: ['/bin/true'],
      trace: [['/bin/false', '--from-test']],
    });
    const r = await runCli(['plan', spec]);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toContain('/bin/false --from-test');
  });

  it('refuses trace on a foreign root', async () => {
    const spec = writeSpec(work, 'foreign-trace', {
      source: '/usr/aarch64-linux-gnu',
      trace: [['/bin/true']],
    });
    const r = await runCli(['plan', spec]);
    expect(isOneLineError(r)).toBe(true);
    expect(r.stderr).toMatch(/trace runs commands on the host/);
  });
});
