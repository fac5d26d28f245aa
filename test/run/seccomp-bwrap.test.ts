/**
 * The TypeScript-built run filter loaded for real by bubblewrap (`bwrap --seccomp 9 ... 9<file`),
 * as an unprivileged user in a plain sandbox. Each probe runs with and without the filter, so every
 * refusal below is shown to be the filter's and not the sandbox's (no capabilities, new namespaces
 * refuse some of the same calls on their own). Then a Python job shows ordinary work still runs.
 */
import { chmodSync, closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { seccompProgram } from '../../src/run/seccomp/index.js';
import { compileC } from '../helpers/compile.js';
import { isRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireThat, requireTool } from '../helpers/tools.js';
import { FILTERED } from './seccomp-expected.js';

const HERE = import.meta.dirname;
const x64 = process.arch === 'x64';
const ready =
  requireTool('bwrap', 'bubblewrap') &&
  requireTool('gcc') &&
  (!isRoot || requireTool('setpriv', 'util-linux')) &&
  requireThat(process.arch === 'x64' || process.arch === 'arm64', `a seccomp filter for ${process.arch}`);

/** seccomp-probe-extra.c's refusals under the filter. */
const EXTRA_REFUSED: Record<string, string> = {
  socket_netlink_audit: 'EAFNOSUPPORT',
  socket_netlink_uevent: 'EAFNOSUPPORT',
  socket_netlink_diag: 'EAFNOSUPPORT',
  socket_packet: 'EAFNOSUPPORT',
  socket_key: 'EAFNOSUPPORT',
  socket_vsock: 'EAFNOSUPPORT',
  socket_alg: 'EAFNOSUPPORT',
  socketpair_alg: 'EAFNOSUPPORT',
  ...(x64 ? { modify_ldt: 'EPERM' } : {}),
  vmsplice: 'EPERM',
  fanotify_init: 'EPERM',
  open_tree_attr: 'EPERM',
  ioctl_tiocsetd: 'EPERM',
  ioctl_tiocsti_high: 'EPERM',
};
/** ...and what it leaves alone: the same result with and without the filter. */
const EXTRA_ALLOWED = [
  'socket_unix',
  'socket_inet',
  'socket_inet6',
  'socket_netlink_route',
  'socketpair_unix',
  'write_pipe',
];

/** Unprivileged fanotify (FAN_REPORT_FID) arrived in Linux 5.13: before it the kernel says EPERM too. */
function kernelAtLeast(major: number, minor: number): boolean {
  const [a = 0, b = 0] = release()
    .split('.')
    .map((n) => Number.parseInt(n, 10));
  return a > major || (a === major && b >= minor);
}

describe.skipIf(!ready)('the TypeScript seccomp filter under bubblewrap', () => {
  const dir = tmpDir('jailsmith-seccomp-bwrap-');
  const filter = path.join(dir, 'filter.bpf');
  const probe = path.join(dir, 'seccomp-probe');
  const extra = path.join(dir, 'seccomp-probe-extra');

  beforeAll(async () => {
    chmodSync(dir, 0o755); // the probes run as nobody
    await compileC(readFileSync(path.join(HERE, 'seccomp-probe.c'), 'utf8'), probe);
    await compileC(readFileSync(path.join(HERE, 'seccomp-probe-extra.c'), 'utf8'), extra);
    writeFileSync(filter, seccompProgram(), { mode: 0o644 });
  }, 60_000);

  /** Runs argv as nobody in a fresh bwrap sandbox, the filter on fd 9 when `filtered`. */
  async function sandboxed(argv: string[], filtered: boolean) {
    const fd = filtered ? openSync(filter, 'r') : 'ignore';
    try {
      const asNobody = isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
      const bwrap = ['bwrap', '--unshare-all', '--unshare-user', '--die-with-parent', '--new-session'];
      const fs = ['--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev'];
      const [cmd = '', ...args] = [
        ...asNobody,
        ...bwrap,
        ...fs,
        ...(filtered ? ['--seccomp', '9'] : []),
        '--',
      ];
      const stdio = [
        'ignore',
        'pipe',
        'pipe',
        'ignore',
        'ignore',
        'ignore',
        'ignore',
        'ignore',
        'ignore',
        fd,
      ];
      return await execa(cmd, [...args, ...argv], { stdio, reject: false } as { reject: false });
    } finally {
      if (typeof fd === 'number') closeSync(fd);
    }
  }

  async function report(argv: string[], filtered: boolean): Promise<Record<string, string>> {
    const r = await sandboxed(argv, filtered);
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: '' });
    return Object.fromEntries(
      String(r.stdout)
        .trim()
        .split('\n')
        .map((l) => l.split(' ') as [string, string]),
    );
  }

  it('refuses what seccomp.h refused, the same way; without the filter the sandbox alone does not', async () => {
    expect(await report([probe], true)).toEqual(FILTERED);
    const open = await report([probe], false);
    // A sysctl can close io_uring to unprivileged users too; then only the kernel refuses it.
    const sysctl = '/proc/sys/kernel/io_uring_disabled';
    const ioUringOpen = !existsSync(sysctl) || readFileSync(sysctl, 'utf8').trim() === '0';
    expect(open).toMatchObject({
      seccomp: '0',
      add_key: 'ok',
      keyctl_join: 'ok',
      io_uring_setup: ioUringOpen ? 'ok' : 'EPERM',
      unshare_none: 'ok',
      clone_newuser_fs: 'EINVAL',
      clone3: 'ok',
      personality_bsd: 'ok',
      ioctl_tiocsti: 'ENOTTY',
      ioctl_tioclinux: 'ENOTTY',
    });
  });

  it('refuses rare socket families, non-route netlink, modify_ldt, vmsplice, fanotify, open_tree_attr, TIOCSETD', async () => {
    const filtered = await report([extra], true);
    const open = await report([extra], false);
    expect(filtered).toMatchObject(EXTRA_REFUSED);
    for (const key of EXTRA_ALLOWED) expect({ key, v: filtered[key] }).toEqual({ key, v: open[key] });
    expect(filtered).toMatchObject({ socket_unix: 'ok', socket_inet: 'ok', socket_netlink_route: 'ok' });
    // From the filter: unfiltered these succeed or fail otherwise. (AF_KEY, AF_ALG and AF_VSOCK may
    // be missing from the kernel, so their unfiltered answer is not asserted; the interpreter test
    // shows those refusals are the program's.)
    const fromFilter = [
      'socket_netlink_audit',
      'socket_netlink_uevent',
      'socket_netlink_diag',
      'socket_packet',
      ...(x64 ? ['modify_ldt'] : []),
      'vmsplice',
      'open_tree_attr',
      'ioctl_tiocsetd',
      'ioctl_tiocsti_high',
      ...(kernelAtLeast(5, 13) ? ['fanotify_init'] : []),
    ];
    for (const key of fromFilter) expect({ key, v: open[key] }).not.toEqual({ key, v: filtered[key] });
  });

  it.runIf(x64)('an i386 system call (int $0x80) kills the job with SIGSYS', async () => {
    const filtered = await sandboxed([probe, 'int80'], true);
    expect(filtered.exitCode).toBe(128 + 31); // bwrap passes on the job's death by signal 31
    const open = await sandboxed([probe, 'int80'], false);
    expect(open.exitCode).not.toBe(128 + 31);
  });

  it.runIf(requireThat(existsSync('/usr/bin/python3'), '/usr/bin/python3', 'apt-get install python3'))(
    'python3 works under it: getaddrinfo, netlink routes, threads, subprocess, TCP on loopback',
    async () => {
      const py = [
        'import errno, json, socket, subprocess, threading',
        'r = {"seccomp": [l.split()[1] for l in open("/proc/self/status") if l.startswith("Seccomp:")][0]}',
        'r["gai"] = sorted({a[4][0] for a in socket.getaddrinfo("localhost", 80)})',
        // AI_ADDRCONFIG makes glibc ask the kernel's addresses over NETLINK_ROUTE.
        'r["gai_addrconfig"] = len(socket.getaddrinfo("localhost", 80, flags=socket.AI_ADDRCONFIG)) > 0',
        'r["ifaces"] = [n for _, n in socket.if_nameindex()]',
        't = threading.Thread(target=lambda: r.__setitem__("thread", "ran")); t.start(); t.join()',
        'r["subprocess"] = subprocess.run(["/bin/echo", "hi"], capture_output=True, text=True).stdout.strip()',
        's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()',
        'c = socket.create_connection(s.getsockname()); a, _ = s.accept(); c.sendall(b"x"); r["tcp"] = a.recv(1).decode()',
        'try:\n    socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM); r["packet"] = "ok"',
        'except OSError as e:\n    r["packet"] = errno.errorcode[e.errno]',
        'print(json.dumps(r))',
      ].join('\n');
      const r = await sandboxed(['/usr/bin/python3', '-c', py], true);
      expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: '' });
      const out = JSON.parse(String(r.stdout));
      expect(out).toMatchObject({
        seccomp: '2',
        gai_addrconfig: true,
        ifaces: ['lo'],
        thread: 'ran',
        subprocess: 'hi',
        tcp: 'x',
        packet: 'EAFNOSUPPORT',
      });
      expect(out.gai).toContain('127.0.0.1');
    },
  );

  it.runIf(requireTool('strace'))(
    'ptrace of the job’s own children is kept: strace runs under it',
    async () => {
      const r = await sandboxed(['strace', '-f', '-o', '/dev/null', '/bin/sh', '-c', 'echo traced'], true);
      expect({ exitCode: r.exitCode, stdout: r.stdout }).toEqual({ exitCode: 0, stdout: 'traced' });
    },
  );
});
