import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { qemuStaticCollector } from '../../src/plan/collect-qemu.js';
import { defaultCollectors } from '../../src/plan/collectors.js';
import { createPlan } from '../../src/plan/create-plan.js';
import type { FileEntry } from '../../src/plan/types.js';
import { tmpDir } from '../helpers/tmp.js';
import { fakeResolver, makeRoot, spec } from './fake.js';

/** A dpkg root of the given Debian architecture holding one program. */
function dpkgRoot(dir: string, dpkgArch: string): string {
  return makeRoot(dir, {
    '/etc/os-release': 'ID=debian\n',
    '/var/lib/dpkg/arch': `${dpkgArch}\n`,
    '/usr/bin/tool': { mode: 0o755, content: 'tool' },
  });
}

/** The default collectors with the emulator looked up in `hostBin`. */
function withHostBin(hostBin: string) {
  return defaultCollectors.map((c) => (c.name === 'qemu' ? qemuStaticCollector(hostBin) : c));
}

describe('qemu_static', () => {
  const base = tmpDir('plan-qemu-');
  const hostBin = path.join(base, 'hostbin');
  makeRoot(hostBin, {
    '/qemu-aarch64-static': { mode: 0o755, content: 'static aarch64 emulator' },
    '/qemu-arm-static': { mode: 0o755, content: 'static arm emulator' },
    '/qemu-ppc64le-static': { mode: 0o755, content: 'static ppc64le emulator' },
  });

  it('is off unless asked, and the spec key turns it on', async () => {
    const root = dpkgRoot(path.join(base, 'off'), 'arm64');
    expect((await spec('binaries: [tool]\n', root)).qemuStatic).toBe(false);
    expect((await spec('binaries: [tool]\nqemu_static: true\n', root)).qemuStatic).toBe(true);
    const { resolver } = fakeResolver(root, { '/usr/bin/tool': [] });
    const plan = await createPlan(await spec('binaries: [tool]\n', root), {
      resolver,
      collectors: withHostBin(hostBin),
    });
    expect(plan.entries.some((e) => e.path.includes('qemu'))).toBe(false);
    expect(plan.hostSources).toBeUndefined();
  });

  it.each([
    ['arm64', 'qemu-aarch64-static', 'aarch64'],
    ['armhf', 'qemu-arm-static', 'armhf'],
    ['ppc64el', 'qemu-ppc64le-static', 'ppc64le'],
  ])('a %s root gets the host /usr/bin/%s, taken from the host', async (dpkgArch, name, arch) => {
    const root = dpkgRoot(path.join(base, dpkgArch), dpkgArch);
    const { resolver } = fakeResolver(root, { '/usr/bin/tool': [] });
    const plan = await createPlan(await spec('binaries: [tool]\nqemu_static: true\n', root), {
      resolver,
      collectors: withHostBin(hostBin),
    });
    const host = realpathSync(path.join(hostBin, name));
    const entry = plan.entries.find((e) => e.path === `/usr/bin/${name}`) as FileEntry;
    expect(entry).toMatchObject({ type: 'file', source: host, mode: 0o755, uid: 0, gid: 0 });
    expect(entry.size).toBe(statSync(host).size);
    expect(entry.source.startsWith(root)).toBe(false);
    expect(plan.hostSources).toEqual([host]);
    expect(plan.notes.join('\n')).toContain(`the ${arch} jail: chroot JAIL /usr/bin/${name} /path/prog`);
  });

  it('adds nothing for a root of the host architecture, and says so', async () => {
    const root = dpkgRoot(path.join(base, 'native'), 'amd64');
    const { resolver } = fakeResolver(root, { '/usr/bin/tool': [] });
    const plan = await createPlan(await spec('binaries: [tool]\nqemu_static: true\n', root), {
      resolver,
      collectors: withHostBin(path.join(base, 'nowhere')),
    });
    expect(plan.entries.map((e) => e.path).filter((p) => p.includes('qemu'))).toEqual([]);
    expect(plan.hostSources).toBeUndefined();
    expect(plan.notes).toContain(
      'qemu_static: the source root is x86_64, like the host: no emulator needed, nothing added',
    );
  });

  it('names the missing host emulator and the package that has it', async () => {
    const root = dpkgRoot(path.join(base, 'missing'), 'riscv64');
    const { resolver } = fakeResolver(root, { '/usr/bin/tool': [] });
    const err = await createPlan(await spec('binaries: [tool]\nqemu_static: true\n', root), {
      resolver,
      collectors: withHostBin(hostBin),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect(err).toMatchObject({
      code: 'SPEC_QEMU_MISSING',
      path: path.join(hostBin, 'qemu-riscv64-static'),
      hint: 'apt-get install qemu-user-static',
    });
    expect((err as Error).message).toContain('riscv64');
  });
});
