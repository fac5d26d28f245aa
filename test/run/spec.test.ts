import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { policyFromSpec } from '../../src/policy/index.js';
import { jobCommand, policyRunOptions } from '../../src/run/index.js';
import { loadSpec, parseSpec } from '../../src/spec/load.js';
import { REPO, runCli } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { makePythonJail } from './jails.js';

describe('a spec’s run: block as the run policy', () => {
  it('maps user, env, workdir, net, limits (with the schema’s names), binds, tmpfs and audit.allow', async () => {
    const file = '/specs/job.yaml';
    const spec = await parseSpec(
      [
        'name: job',
        'run:',
        '  user: app',
        '  workdir: /home/app',
        '  env: {PATH: /usr/bin}',
        '  net: host',
        '  timeout: 30',
        '  seccomp: false',
        '  limits: {memory: 256M, pids: 32, cpu: 5}',
        '  binds: ["data:/in", "/abs/out:/out:rw"]',
        '  entrypoint: [/usr/bin/python3]',
        '  cmd: [main.py]',
        '  tmpfs: [/home/app, {path: /scratch, size: 1G, mode: "0750", exec: true}]',
        'audit:',
        '  allow: [tool-interpreter]',
      ].join('\n'),
      file,
    );
    const d = policyFromSpec(spec, file);
    expect(d).toEqual({
      auditAllow: ['tool-interpreter'],
      entrypoint: ['/usr/bin/python3'],
      cmd: ['main.py'],
      tmpfs: [{ path: '/home/app' }, { path: '/scratch', size: 1024 ** 3, mode: 0o750, exec: true }],
      user: 'app',
      workdir: '/home/app',
      env: { PATH: '/usr/bin' },
      net: 'host',
      timeout: 30,
      seccomp: false,
      limits: { mem: 256 * 1024 ** 2, nproc: 32, cpu: 5 },
      binds: [
        { source: '/specs/data', target: '/in', readOnly: true },
        { source: '/abs/out', target: '/out', readOnly: false },
      ],
    });
    // The command line wins: a bind at the same target replaces the policy's, limits merge.
    const o = policyRunOptions(d, {
      jail: '/j',
      command: ['x'],
      binds: [{ source: '/elsewhere', target: '/in', readOnly: true }],
      limits: { mem: 1024 },
    });
    expect(o.binds).toEqual([
      { source: '/abs/out', target: '/out', readOnly: false },
      { source: '/elsewhere', target: '/in', readOnly: true },
    ]);
    expect(o.limits).toEqual({ mem: 1024, nproc: 32, cpu: 5 });
    expect(o).toMatchObject({ user: 'app', net: 'host', seccomp: false, timeout: 30 });
    // A shipped policy's bind has no host source: the run must name one.
    expect(() =>
      policyRunOptions({ binds: [{ target: '/in', readOnly: true }] }, { jail: '/j', command: ['x'] }),
    ).toThrow(/binds \/in but gives no host source/);
    expect(jobCommand(d, [])).toEqual(['/usr/bin/python3', 'main.py']);
    expect(jobCommand(d, ['other.py', '-v'])).toEqual(['/usr/bin/python3', 'other.py', '-v']);
    expect(jobCommand(undefined, ['ls'])).toEqual(['ls']);
    expect(() => jobCommand(undefined, [])).toThrow(/no command/);
  });
});

describeAsRoot('jailsmith run --spec on a jail built from jails/python.yaml', () => {
  const base = tmpDir('jailsmith-run-spec-');
  const jail = path.join(base, 'py');
  const spec = path.join(REPO, 'jails/python.yaml');

  beforeAll(async () => {
    await makePythonJail(jail);
  }, 120_000);

  it('under the seccomp filter, threads and child processes work (glibc falls back from clone3)', async () => {
    const code = [
      'import subprocess, sys, threading',
      'got = []',
      't = threading.Thread(target=lambda: got.append(sum(range(1000))))',
      't.start(); t.join()',
      "child = subprocess.run([sys.executable, '-c', 'print(6 * 7)'], capture_output=True, text=True)",
      "print(got[0], child.stdout.strip(), open('/proc/self/status').read().count('Seccomp:\t2'))",
    ].join('\n');
    const r = await runCli(['run', jail, '--spec', spec, '--json', '--', '-c', code]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const [line, ...json] = r.stdout.split('\n');
    expect(line).toBe('499500 42 1');
    expect(JSON.parse(json.join('\n')).seccomp).toBe(true);
  });

  it('runs the entrypoint as the spec’s user in its workdir with its environment', async () => {
    // PWD is bubblewrap's, set to the in-jail workdir after its chdir.
    const code =
      'import os; print(os.getuid(), os.getgid(), os.getgroups(), os.getcwd(), sorted(os.environ), os.environ["PWD"])';
    const r = await runCli(['run', jail, '--spec', spec, '--', '-c', code]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(
      "1000 1000 [] /home/app ['HOME', 'LANG', 'PATH', 'PWD', 'PYTHONDONTWRITEBYTECODE'] /home/app",
    );
    expect((await loadSpec(spec)).run.user).toBe('app');
  });

  it('--probe of a default python run shows no critical or high finding', async () => {
    const r = await runCli([
      'run',
      jail,
      '--spec',
      spec,
      '--probe',
      '--json',
      '--timeout',
      '3',
      '--',
      '-c',
      'while True: pass',
    ]);
    const out = JSON.parse(r.stdout);
    expect(out.timedOut).toBe(true);
    expect(out.probe.summary).toMatchObject({ critical: 0, high: 0 });
  });

  it('--net none leaves a working loopback and nothing else', async () => {
    const code = [
      'import socket',
      "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()",
      "c = socket.create_connection(s.getsockname()); a, _ = s.accept(); c.sendall(b'ok')",
      'print(socket.if_nameindex(), a.recv(2).decode())',
    ].join('\n');
    const r = await runCli(['run', jail, '--spec', spec, '--', '-c', code]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe("[(1, 'lo')] ok");
  });

  it('command-line flags win over the spec', async () => {
    const r = await runCli([
      'run',
      jail,
      '--spec',
      spec,
      '--user',
      '4242',
      '--workdir',
      '/tmp',
      '--',
      '-c',
      'import os; print(os.getuid(), os.getcwd())',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('4242 /tmp');
  });
});
