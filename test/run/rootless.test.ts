import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { buildJail } from '../../src/build/build-jail.js';
import { runJail } from '../../src/index.js';
import { BIN, REPO } from '../helpers/cli.js';
import { makeMiniJail } from '../helpers/mini-jail.js';
import { inOwnMountNs } from '../helpers/mount-ns.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireThat, requireTool } from '../helpers/tools.js';

const NOBODY = 65534;
const AS_NOBODY = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];
/** The status lines the tests compare, read with the jail's sh alone (no grep in the jail). */
const STATUS =
  'while read -r k v rest; do case "$k" in CapEff:|CapBnd:|NoNewPrivs:|Seccomp:) echo "$k $v";; esac; done < /proc/self/status';
const PROBE = [
  'id -u',
  'id -g',
  STATUS,
  '(echo x > /etc/x) 2>&- || echo etc-denied',
  '(echo x > /x) 2>&- || echo root-denied',
  'echo written > /out/f',
  'while read -r name rest; do case "$name" in *:) echo "if $name";; esac; done < /proc/self/net/dev',
].join('; ');
/** run's arguments after the jail for the probe job as the jail's user, `out` bound writable. */
function probeJob(out: string): string[] {
  return ['--json', '--user', 'jail', '--bind', `${out}:/out:rw`, '--', '/bin/sh', '-c', PROBE];
}

const EXPECTED = [
  '1000',
  '1000',
  'CapEff: 0000000000000000',
  'CapBnd: 0000000000000000',
  'NoNewPrivs: 1',
  'Seccomp: 2',
  'etc-denied',
  'root-denied',
  'if lo:',
];

/** What a rootless run says on stderr about the protections it could not apply. */
const ROOTLESS_NOTES = [
  `jailsmith: missing protection per-job-uid: without root the job runs as your own uid ${NOBODY} (uid ${NOBODY} has no subordinate range in /etc/subuid)`,
  'jailsmith: missing protection cgroup: rootless runs get no cgroup: memory, pids and cores fall back to per-process rlimits',
];

/** The job's output lines, and the --json result printed after them. */
function split(stdout: string): { lines: string[]; result: Record<string, unknown> } {
  const at = stdout.lastIndexOf('{\n');
  return {
    lines: stdout.slice(0, at).split('\n').filter(Boolean),
    result: JSON.parse(stdout.slice(at)) as Record<string, unknown>,
  };
}

describeAsRoot('jailsmith run without root: a user namespace', () => {
  // tmpDir is root 0700: this one is opened to others so that uid 65534 reaches the jail in it.
  const base = tmpDir('jailsmith-rootless-');
  chmodSync(base, 0o755);
  const jail = path.join(base, 'jail');
  const noProc = path.join(base, 'no-proc');
  const suid = path.join(base, 'suid');
  // The job runs as 65534 through node, bin/jailsmith and dist/: all must be reachable by it.
  const reach = spawnSync('setpriv', [
    ...AS_NOBODY,
    'test',
    '-x',
    process.execPath,
    '-a',
    '-r',
    BIN,
    '-a',
    '-r',
    path.join(REPO, 'package.json'),
  ]);
  const reachable = requireThat(
    reach.status === 0,
    `rootless runs as uid ${NOBODY}: ${process.execPath} or ${REPO} is not reachable by that uid (namei -l shows why)`,
  );
  const asNobody = (args: string[]) =>
    execa('setpriv', [...AS_NOBODY, process.execPath, BIN, 'run', ...args], {
      reject: false,
      cwd: base,
      env: { NO_COLOR: '1', HOME: '/' },
    });

  beforeAll(async () => {
    await makeMiniJail(jail, ['/bin/sh', '/bin/cat', '/usr/bin/id']);
    for (const d of ['proc', 'out']) mkdirSync(path.join(jail, d), { mode: 0o755 });
    // A home the jail gives its own user: uid 1000 on the host, closed to a rootless caller.
    mkdirSync(path.join(jail, 'home/closed'), { mode: 0o700 });
    chownSync(path.join(jail, 'home/closed'), 1000, 1000);
    cpSync(jail, noProc, { recursive: true });
    rmdirSync(path.join(noProc, 'proc'));
    cpSync(jail, suid, { recursive: true });
    copyFileSync('/usr/bin/id', path.join(suid, 'usr/bin/suid-id'));
    chmodSync(path.join(suid, 'usr/bin/suid-id'), 0o4755);
  });

  it.skipIf(!reachable)(
    'as uid 65534: mapped uid, no capability, filtered, no network, writes only its bind',
    async () => {
      const out = path.join(base, 'out-nobody');
      mkdirSync(out, { mode: 0o755 });
      chownSync(out, NOBODY, NOBODY);
      const r = await asNobody([jail, ...probeJob(out)]);
      expect(r.stderr.split('\n').filter(Boolean)).toEqual(ROOTLESS_NOTES);
      expect(r.exitCode).toBe(0);
      const { lines, result } = split(r.stdout);
      expect(lines).toEqual(EXPECTED);
      expect(result).toMatchObject({
        exitCode: 0,
        seccomp: true,
        rootless: true,
        timedOut: false,
        hostUid: NOBODY,
        missing: ['per-job-uid', 'cgroup'],
      });
      // The job's uid 1000 is the caller's 65534 on the host; the jail itself is untouched.
      const st = statSync(path.join(out, 'f'));
      expect([st.uid, st.gid]).toEqual([NOBODY, NOBODY]);
      expect(readFileSync(path.join(out, 'f'), 'utf8')).toBe('written\n');
      expect(existsSync(path.join(jail, 'etc/x'))).toBe(false);
      expect(existsSync(path.join(jail, 'x'))).toBe(false);
    },
  );

  it.skipIf(!reachable)('as uid 65534: the job dies with a caller killed by SIGKILL', async () => {
    // No parent-death signal anywhere: the setup shell's watcher sees the caller's pipe close.
    const script = `while :; do :; done # rootless-spin-${process.pid}-${Date.now()}`;
    /** Processes whose argv holds `text`: the job's own is exactly /bin/sh -c SCRIPT. */
    const pidsWith = (text: string) =>
      readdirSync('/proc')
        .filter((n) => /^\d+$/.test(n))
        .filter((n) => {
          try {
            return readFileSync(`/proc/${n}/cmdline`, 'utf8').includes(text);
          } catch {
            return false;
          }
        });
    const job = () =>
      pidsWith(`/bin/sh\0-c\0${script}\0`).filter((n) => {
        try {
          return readFileSync(`/proc/${n}/cmdline`, 'utf8').startsWith('/bin/sh\0');
        } catch {
          return false;
        }
      });
    const cli = asNobody([jail, '--', '/bin/sh', '-c', script]);
    for (let i = 0; i < 300 && job().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(job()).toHaveLength(1);
    // setpriv exec'd node: the CLI is this pid.
    process.kill(cli.pid as number, 'SIGKILL');
    await cli;
    // Nothing holding the script is left: not the job, not bubblewrap, not the setup shell.
    for (let i = 0; i < 200 && pidsWith(script).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    const left = pidsWith(script);
    // No spinner outlives a failure.
    for (const pid of left) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {} // gone meanwhile
    }
    expect(left).toEqual([]);
  });

  it.skipIf(!reachable)('as uid 65534: --timeout kills the whole job', async () => {
    const r = await asNobody([
      jail,
      '--json',
      '--timeout',
      '1',
      '--',
      '/bin/sh',
      '-c',
      'echo started; while :; do :; done',
    ]);
    expect(r.exitCode).toBe(137);
    const { lines, result } = split(r.stdout);
    expect(lines).toEqual(['started']);
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL', rootless: true });
  });

  it.skipIf(!reachable)(
    'as uid 65534: a jail without /proc is refused with one error (it cannot be made)',
    async () => {
      const r = await asNobody([noProc, '--', '/bin/sh', '-c', 'echo ran']);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      const [first, ...rest] = r.stderr.split('\n');
      expect(first).toBe(
        `jailsmith: the jail has no /proc directory, and a rootless run cannot make one (${noProc}/proc)`,
      );
      expect(rest.join('\n')).toMatch(/^hint: add \/proc to the spec’s dirs: and build again/);
      expect(existsSync(path.join(noProc, 'proc'))).toBe(false);
    },
  );

  it.skipIf(!reachable)(
    'as uid 65534: a workdir closed to the caller is refused before anything runs',
    async () => {
      const r = await asNobody([jail, '--workdir', '/home/closed', '--', '/bin/sh', '-c', 'echo ran']);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe(
        `jailsmith: rootless run: the workdir /home/closed is closed to uid ${NOBODY} (${jail}/home/closed)`,
      );
    },
  );

  it.skipIf(!reachable)(
    'as uid 65534: the ready-made python jail runs its spec’s job (given a /proc)',
    async () => {
      const py = path.join(base, 'py');
      await buildJail(path.join(REPO, 'jails/python.yaml'), py, { unsafeAncestors: true });
      if (!existsSync(path.join(py, 'proc'))) mkdirSync(path.join(py, 'proc'), { mode: 0o555 });
      const code = 'import os, ssl, sqlite3, ctypes, json; print(os.getuid(), os.getcwd(), json.dumps([1]))';
      const spec = path.join(REPO, 'jails/python.yaml');
      const r = await asNobody([py, '--spec', spec, '--', '-c', code]);
      expect(r.stderr.split('\n').filter(Boolean)).toEqual(ROOTLESS_NOTES);
      // The spec's home is the job's own tmpfs, so the rootless job starts there too.
      expect(r.stdout).toBe('1000 /home/app [1]');
      expect(r.exitCode).toBe(0);
    },
  );

  it.skipIf(!reachable)(
    'as uid 65534: the audit gate refuses a setuid-root file, and forced past it, it grants nothing',
    async () => {
      const refused = await asNobody([suid, '--user', 'jail', '--', '/usr/bin/suid-id', '-u']);
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr.split('\n')[0]).toMatch(/^jailsmith: refusing a jail .*critical.*suid-id/);
      const r = await asNobody([suid, '--allow-unsafe', '--user', 'jail', '--', '/usr/bin/suid-id', '-u']);
      expect(r.stderr.split('\n').filter(Boolean)).toEqual(ROOTLESS_NOTES);
      expect(r.stdout).toBe('1000');
      expect(r.exitCode).toBe(0);
    },
  );

  it.skipIf(!reachable)('as uid 65534: --no-rootless is refused before anything runs', async () => {
    const r = await asNobody([jail, '--no-rootless', '--', '/bin/sh', '-c', 'echo ran']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe('jailsmith: the root mode of run needs root');
  });

  it('as root, --rootless gives the same job view, as the job’s uid on the host', async () => {
    const out = path.join(base, 'out-root');
    mkdirSync(out, { mode: 0o777 });
    chmodSync(out, 0o777);
    const r = await execa(process.execPath, [BIN, 'run', jail, '--rootless', ...probeJob(out)], {
      reject: false,
      env: { NO_COLOR: '1' },
    });
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([ROOTLESS_NOTES[1]]);
    expect(r.exitCode).toBe(0);
    const { lines, result } = split(r.stdout);
    expect(lines).toEqual(EXPECTED);
    expect(result).toMatchObject({ exitCode: 0, seccomp: true, rootless: true, missing: ['cgroup'] });
    // Root is not the host identity of a rootless job: a per-job uid is, and what it wrote into the
    // rw bind is handed to the caller when it ends.
    expect(result.hostUid).toBeGreaterThanOrEqual(2_000_000_000);
    const st = statSync(path.join(out, 'f'));
    expect([st.uid, st.gid]).toEqual([0, 0]);
    // And the root mode stays the root mode.
    const rootMode = await runJail({ jail, command: ['/bin/sh', '-c', 'exit 3'] });
    expect(rootMode).toMatchObject({ exitCode: 3, rootless: false });
    const forced = await runJail({ jail, command: ['/bin/sh', '-c', 'exit 4'], rootless: true, timeout: 30 });
    expect(forced).toMatchObject({ exitCode: 4, rootless: true });
  });
});

describeAsRoot('jailsmith run without root, with subordinate ids: a host uid of its own per job', () => {
  const base = tmpDir('jailsmith-subids-');
  chmodSync(base, 0o755);
  const jail = path.join(base, 'jail');
  const FIRST = 3_000_000_000;
  const COUNT = 65536;
  // The caller's ranges, bound over /etc/subuid and /etc/subgid in a mount namespace of the test's
  // own (newuidmap reads them there): the host's files stay as they are.
  const subuid = path.join(base, 'subuid');
  const subgid = path.join(base, 'subgid');
  const tools = requireTool('newuidmap', 'uidmap') && requireTool('newgidmap', 'uidmap');
  const files = requireThat(
    existsSync('/etc/subuid') && existsSync('/etc/subgid'),
    '/etc/subuid and /etc/subgid must exist to be bound over (Debian: passwd creates them)',
  );
  const ready = tools && files;
  // A newuidmap that cannot map (no setuid bit), for the failure test.
  const brokenMap = path.join(base, 'newuidmap');
  const withSubids = (args: string[], extraMount = 'true') =>
    execa(
      ...inOwnMountNs(
        `mount --bind "$1" /etc/subuid && mount --bind "$2" /etc/subgid && ${extraMount}`,
        [subuid, subgid],
        ['setpriv', ...AS_NOBODY, process.execPath, BIN, 'run', ...args],
      ),
      { reject: false, cwd: base, env: { NO_COLOR: '1', HOME: '/' } },
    );

  beforeAll(async () => {
    writeFileSync(subuid, `nobody:${FIRST}:${COUNT}\n`);
    writeFileSync(subgid, `${NOBODY}:${FIRST}:${COUNT}\n`);
    await makeMiniJail(jail, ['/bin/sh', '/bin/cat', '/usr/bin/id', '/bin/sleep']);
    for (const d of ['proc', 'out']) mkdirSync(path.join(jail, d), { mode: 0o755 });
  });

  it.skipIf(!ready)('the job runs as a sub-id, and what it wrote is handed to the caller', async () => {
    const out = path.join(base, 'out');
    mkdirSync(out, { mode: 0o755 });
    chownSync(out, NOBODY, NOBODY);
    const r = await withSubids([jail, ...probeJob(out)]);
    // Only the cgroup is missing: the per-job uid is there.
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([ROOTLESS_NOTES[1]]);
    expect(r.exitCode).toBe(0);
    const { lines, result } = split(r.stdout);
    expect(lines).toEqual(EXPECTED);
    expect(result).toMatchObject({ exitCode: 0, rootless: true, missing: ['cgroup'] });
    expect(result.hostUid).toBeGreaterThanOrEqual(FIRST);
    expect(result.hostUid).toBeLessThan(FIRST + COUNT);
    const st = statSync(path.join(out, 'f'));
    expect([st.uid, st.gid]).toEqual([NOBODY, NOBODY]);
    expect(readFileSync(path.join(out, 'f'), 'utf8')).toBe('written\n');
  });

  it.skipIf(!ready)(
    'concurrent jobs never share a host uid, and it is the one the result names',
    async () => {
      const marker = `subid-${process.pid}-${Date.now()}`;
      const jobs = [0, 1].map(() =>
        withSubids([jail, '--json', '--', '/bin/sh', '-c', `sleep 2 # ${marker}`]),
      );
      // While they run: each job's processes have a host uid of the caller's range, not the caller's.
      let seen: number[] = [];
      for (let i = 0; i < 100 && seen.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 50));
        seen = [...new Set(uidsRunning(marker))];
      }
      const results = await Promise.all(jobs);
      const hostUids = results.map((r) => split(r.stdout).result.hostUid as number);
      expect(results.map((r) => r.exitCode)).toEqual([0, 0]);
      expect(new Set(hostUids).size).toBe(2);
      expect(seen.sort()).toEqual([...hostUids].sort());
      expect(uidsRunning(marker)).toEqual([]);
    },
  );

  it.skipIf(!ready)(
    'a mapping newuidmap refuses: one error, exit 2, nothing run (not the job’s status)',
    async () => {
      copyFileSync('/usr/bin/newuidmap', brokenMap);
      chmodSync(brokenMap, 0o755);
      const out = path.join(base, 'out-broken');
      mkdirSync(out, { mode: 0o777 });
      chmodSync(out, 0o777);
      const r = await withSubids(
        [jail, '--bind', `${out}:/out:rw`, '--', '/bin/sh', '-c', 'echo ran > /out/ran'],
        `mount --bind ${brokenMap} /usr/bin/newuidmap`,
      );
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(
        /^jailsmith: setting up the job failed: the sandbox chain ended with status \d+ before its setup step/m,
      );
      expect(existsSync(path.join(out, 'ran'))).toBe(false);
    },
  );

  it.skipIf(!ready)('a uid range outside the caller’s subordinate range: exit 2, nothing run', async () => {
    const r = await withSubids([
      jail,
      '--uid-range',
      '2000000000-2000000100',
      '--',
      '/bin/sh',
      '-c',
      'echo ran',
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(
      `jailsmith: the job uid range 2000000000-2000000100 is not inside your subordinate range ${FIRST}-${FIRST + COUNT - 1} (/etc/subuid)`,
    );
  });
});

/** Host uids of the processes whose argv holds `marker` and whose uid is neither root's nor 65534. */
function uidsRunning(marker: string): number[] {
  const out: number[] = [];
  for (const n of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${n}/cmdline`, 'utf8').includes(marker)) continue;
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${n}/status`, 'utf8'))?.[1]);
      if (uid !== 0 && uid !== NOBODY) out.push(uid);
    } catch {}
  }
  return out;
}
