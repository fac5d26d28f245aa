import { existsSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDeb822 } from '../../src/packages/dpkg.js';
import type { JailPlan } from '../../src/plan/types.js';
import { runCli } from '../helpers/cli.js';
import { compileC } from '../helpers/compile.js';
import { debootstrapTrixie } from '../helpers/debootstrap.js';
import { buildCli, inJail, writeSpec } from '../helpers/distro-jail.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';

/** The upstream part of a Debian version: no epoch, no revision (5.2.37-2+b10 → 5.2.37). */
function upstream(version: string): string {
  return version.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
}

describeAsRoot('foreign roots', () => {
  let root: string;
  const work = tmpDir('jailsmith-distro-');
  beforeAll(async () => {
    root = await debootstrapTrixie();
  });

  it("runs the trixie root's own bash, whatever the host's is", async () => {
    const status = readFileSync(path.join(root, 'var/lib/dpkg/status'), 'utf8');
    const bash = parseDeb822(status).find((p) => p.Package === 'bash');
    const want = upstream(bash?.Version ?? '');
    expect(want).toMatch(/^\d+\.\d+/);
    const spec = writeSpec(work, 'trixie-bash', { source: root, binaries: ['bash'] });
    const jail = path.join(work, 'trixie-jail');
    await buildCli(spec, jail);
    const r = await inJail(jail, ['/bin/bash', '-c', 'echo $BASH_VERSION']);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith(`${want}(`)).toBe(true);
    // the jail's libc is trixie's, not the host's
    const jailLibc = readFileSync(path.join(jail, 'usr/lib/x86_64-linux-gnu/libc.so.6'));
    expect(jailLibc.equals(readFileSync(path.join(root, 'usr/lib/x86_64-linux-gnu/libc.so.6')))).toBe(true);
  });

  it('puts tzdata from the root package database into the jail, without docs', async () => {
    const spec = writeSpec(work, 'trixie-tz', { source: root, packages: ['tzdata'] });
    const jail = path.join(work, 'tz-jail');
    await buildCli(spec, jail);
    const list = readFileSync(path.join(root, 'var/lib/dpkg/info/tzdata.list'), 'utf8').split('\n');
    const zone = list.find((l) => /^\/usr\/share\/zoneinfo\/[A-Z][a-z]+\/[A-Z]/.test(l)) as string;
    expect(zone).toBeDefined();
    expect(existsSync(path.join(jail, zone))).toBe(true);
    expect(existsSync(path.join(jail, 'usr/share/doc'))).toBe(false);
  });
});

describeAsRoot('cross-architecture root', () => {
  const sysroot = '/usr/aarch64-linux-gnu';
  const name = `jailsmith-probe-${process.pid}`;
  const bin = path.join(sysroot, 'bin', name);
  const work = tmpDir('jailsmith-arm64-');
  beforeAll(async () => {
    const src =
      '#include <math.h>\n#include <stdio.h>\nint main(int c, char **v) { (void)v; printf("cbrt=%.1f\\n", cbrt(c * 27.0)); return 0; }\n';
    await compileC(src, bin, ['-lm'], 'aarch64-linux-gnu-gcc');
  });
  afterAll(() => {
    rmSync(bin, { force: true });
    rmSync(`${bin}.c`, { force: true });
  });

  it('builds an arm64 jail that runs under qemu-aarch64 -L JAIL', async () => {
    const spec = writeSpec(work, 'arm64', { source: sysroot, binaries: [`/bin/${name}`] });
    const jail = path.join(work, 'arm64-jail');
    const built = await buildCli(spec, jail);
    expect(built.stderr).toMatch(/aarch64 jail on a x86_64 host: run its programs with qemu-aarch64 -L/);
    expect(existsSync(path.join(jail, 'lib/ld-linux-aarch64.so.1'))).toBe(true);
    expect(existsSync(path.join(jail, 'lib/libm.so.6'))).toBe(true);
    const r = await execa('qemu-aarch64', ['-L', jail, path.join(jail, 'bin', name), 'x'], { reject: false });
    expect(r.stdout).toBe('cbrt=3.8');
    expect(r.exitCode).toBe(0);
  });

  it('with --qemu-static, carries the host emulator in and runs under chroot JAIL /usr/bin/qemu-aarch64-static', async () => {
    const spec = writeSpec(work, 'arm64-static', { source: sysroot, binaries: [`/bin/${name}`] });
    const planned = await runCli(['plan', spec, '--qemu-static', '--json']);
    expect(planned.exitCode).toBe(0);
    const plan = JSON.parse(planned.stdout) as JailPlan;
    const host = realpathSync('/usr/bin/qemu-aarch64-static');
    expect(plan.entries.find((e) => e.path === '/usr/bin/qemu-aarch64-static')).toMatchObject({
      type: 'file',
      source: host,
      mode: 0o755,
      uid: 0,
      gid: 0,
    });
    expect(plan.hostSources).toEqual([host]);
    const jail = path.join(work, 'arm64-static-jail');
    const built = await buildCli(spec, jail, ['--qemu-static']);
    expect(built.stderr).toContain('chroot JAIL /usr/bin/qemu-aarch64-static /path/prog');
    const copied = statSync(path.join(jail, 'usr/bin/qemu-aarch64-static'));
    expect(copied.mode & 0o7777).toBe(0o755);
    expect(copied.size).toBe(statSync(host).size);
    const r = await inJail(jail, ['/usr/bin/qemu-aarch64-static', `/bin/${name}`, 'x', 'y']);
    expect(r.stdout).toBe('cbrt=4.3');
    expect(r.exitCode).toBe(0);
  });
});
