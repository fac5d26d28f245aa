/**
 * The default seccomp filter of `jailsmith run`, for real: the same probe runs with the filter and
 * with --no-seccomp, so each refusal is shown to be the filter's and not the jail's (the chroot, the
 * uid drop, the empty capability sets refuse some of the same calls on their own).
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { probeProcess } from '../../src/audit/probe.js';
import { type RunOptions, runJail } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { compileC } from '../helpers/compile.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { makeCJail } from './jails.js';
import { FILTERED } from './seccomp-expected.js';

const PROBE_SRC = path.join(import.meta.dirname, 'seccomp-probe.c');

/** kernel.io_uring_disabled: 0 lets an unprivileged job set up a ring when nothing filters it. */
function ioUringOpen(): boolean {
  const p = '/proc/sys/kernel/io_uring_disabled';
  return !existsSync(p) || readFileSync(p, 'utf8').trim() === '0';
}

describeAsRoot('jailsmith run: the default seccomp filter', () => {
  const base = tmpDir('jailsmith-run-seccomp-');
  const jail = path.join(base, 'c');
  const out = path.join(base, 'out');

  beforeAll(async () => {
    await makeCJail(jail);
    // Static when glibc's libc.a is there; otherwise the jail's libc (from /bin/sh) serves it.
    const { stdout: libcA } = await execa('gcc', ['-print-file-name=libc.a']);
    const bin = await compileC(
      readFileSync(PROBE_SRC, 'utf8'),
      path.join(base, 'seccomp-probe'),
      path.isAbsolute(libcA) ? ['-static'] : [],
    );
    copyFileSync(bin, path.join(jail, 'usr/bin/seccomp-probe'));
    chmodSync(path.join(jail, 'usr/bin/seccomp-probe'), 0o755);
    mkdirSync(out);
    chmodSync(out, 0o777);
  }, 60_000);

  /** Runs the probe; returns the run's result and its report as a name → result map. */
  async function probe(extra: Partial<RunOptions> = {}) {
    const name = `report-${Math.random().toString(36).slice(2)}`;
    const r = await runJail({
      jail,
      command: ['/bin/sh', '-c', `/usr/bin/seccomp-probe > /out/${name}`],
      binds: [{ source: out, target: '/out', readOnly: false }],
      ...extra,
    });
    const lines = readFileSync(path.join(out, name), 'utf8').trim().split('\n');
    return { r, report: Object.fromEntries(lines.map((l) => l.split(' ') as [string, string])) };
  }

  it('refuses the listed calls with EPERM (clone3 with ENOSYS) and leaves the rest alone', async () => {
    const { r, report } = await probe();
    expect(r).toMatchObject({ exitCode: 0, seccomp: true });
    expect(report).toEqual(FILTERED);
  });

  it('with --no-seccomp the same calls reach the kernel: the refusals above are the filter’s', async () => {
    const { r, report } = await probe({ seccomp: false });
    expect(r).toMatchObject({ exitCode: 0, seccomp: false });
    expect(report).toEqual({
      ...FILTERED,
      seccomp: '0',
      add_key: 'ok',
      keyctl_join: 'ok',
      // A sysctl can close io_uring to unprivileged users too; then only the kernel refuses it.
      io_uring_setup: ioUringOpen() ? 'ok' : 'EPERM',
      unshare_none: 'ok',
      // bubblewrap's --disable-userns leaves no user namespace to make (ENOSPC) under the filter's EPERM.
      unshare_newuser: 'ENOSPC',
      clone_newuser: 'ENOSPC',
      // The chroot alone refuses user namespaces (EPERM either way); this pair the kernel
      // rejects as invalid before that, so only the filter turns it into EPERM.
      clone_newuser_fs: 'EINVAL',
      clone3: 'ok',
      personality_bsd: 'ok',
      ioctl_tiocsti: 'ENOTTY',
      ioctl_tioclinux: 'ENOTTY',
    });
  });

  it.runIf(process.arch === 'x64')('an i386 system call (int $0x80) kills the job with SIGSYS', async () => {
    const filtered = await runJail({ jail, command: ['/usr/bin/seccomp-probe', 'int80'] });
    expect(filtered).toMatchObject({ signal: 'SIGSYS', exitCode: 128 + 31, seccomp: true });
    // Unfiltered it returns the pid (or SIGSEGV on a kernel without ia32 emulation): never SIGSYS.
    const open = await runJail({ jail, command: ['/usr/bin/seccomp-probe', 'int80'], seccomp: false });
    expect(open.signal).not.toBe('SIGSYS');
  });

  it('the runtime probe sees the filter on the running job, and its absence with --no-seccomp', async () => {
    const go = path.join(out, 'go');
    const ids = async (seccomp: boolean) => {
      let found: string[] | null = null;
      const r = await runJail({
        jail,
        seccomp,
        timeout: 30,
        // Runs until the probe has looked at it: no sleep, no timing.
        command: ['/bin/sh', '-c', 'while [ ! -e /out/go ]; do :; done'],
        binds: [{ source: out, target: '/out', readOnly: false }],
        onStart: (pid) => {
          found = probeProcess(pid).findings.map((f) => f.id);
          writeFileSync(go, '');
        },
      });
      expect(r).toMatchObject({ exitCode: 0, timedOut: false });
      expect(found).not.toBeNull();
      return found ?? [];
    };
    expect(await ids(true)).not.toContain('proc-seccomp-off');
    rmSync(go);
    expect(await ids(false)).toContain('proc-seccomp-off');
  });

  it('CLI: --json reports the filter; --no-seccomp and a spec’s run.seccomp: false turn it off', async () => {
    const spec = path.join(base, 'no-filter.yaml');
    writeFileSync(spec, 'name: no-filter\nrun:\n  seccomp: false\n');
    const seccompOf = async (flags: string[]) => {
      const r = await runCli([
        'run',
        jail,
        '--json',
        ...flags,
        '--',
        '/bin/sh',
        '-c',
        'while read -r k v; do [ "$k" = Seccomp: ] && echo "$k $v"; done < /proc/self/status; true',
      ]);
      expect(r.exitCode).toBe(0);
      const [status, ...json] = r.stdout.split('\n');
      return { status, result: JSON.parse(json.join('\n')).seccomp };
    };
    expect(await seccompOf([])).toEqual({ status: 'Seccomp: 2', result: true });
    expect(await seccompOf(['--no-seccomp'])).toEqual({ status: 'Seccomp: 0', result: false });
    expect(await seccompOf(['--spec', spec])).toEqual({ status: 'Seccomp: 0', result: false });
    // The command line wins over the spec.
    expect(await seccompOf(['--spec', spec, '--seccomp'])).toEqual({ status: 'Seccomp: 2', result: true });
  });
});
