import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { hostArch, qemuName } from '../distro/index.js';
import { SpecError } from '../errors.js';
import { planDistro } from './collect-distro.js';
import type { Collector } from './collector.js';
import { Rank } from './context.js';

/**
 * `qemu_static: true`: a jail from a root of another architecture gets the HOST's statically linked
 * emulator at the same path, so `chroot JAIL /usr/bin/qemu-<arch>-static PROG` works without the
 * host's libraries (and binfmt_misc with the F flag can run the jail's programs directly).
 * `hostBin` is where the host keeps them (tests point it elsewhere).
 */
export function qemuStaticCollector(hostBin = '/usr/bin'): Collector {
  return {
    name: 'qemu',
    collect(ctx) {
      if (!ctx.spec.qemuStatic) return;
      const arch = planDistro(ctx).arch;
      const host = hostArch();
      if (!arch || arch === host) {
        ctx.notes.add(
          arch
            ? `qemu_static: the source root is ${arch}, like the host: no emulator needed, nothing added`
            : `qemu_static: the source root's architecture is unknown: nothing added`,
        );
        return;
      }
      const name = `qemu-${qemuName(arch)}-static`;
      const hostFile = path.join(hostBin, name);
      let source: string;
      let size: number;
      try {
        source = realpathSync(hostFile);
        const st = statSync(source);
        if (!st.isFile()) throw new Error('not a file');
        size = st.size;
      } catch {
        throw new SpecError(
          'SPEC_QEMU_MISSING',
          `qemu_static: the host has no ${hostFile} for this ${arch} root`,
          {
            path: hostFile,
            hint: 'apt-get install qemu-user-static',
            details: { key: 'qemu_static', arch },
          },
        );
      }
      const jailPath = `/usr/bin/${name}`;
      ctx.add(
        { type: 'file', path: jailPath, source, mode: 0o755, uid: 0, gid: 0, sha256: '', size },
        Rank.stated,
        `qemu_static: the host's ${hostFile}`,
      );
      ctx.hostSources.add(source);
      ctx.notes.add(
        `qemu_static: ${jailPath} (the host's, statically linked) runs the ${arch} jail: chroot JAIL ${jailPath} /path/prog, or /path/prog directly where binfmt_misc registers qemu-${qemuName(arch)} with the F flag`,
      );
    },
  };
}

export const collectQemu = qemuStaticCollector();
