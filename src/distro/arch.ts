import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import type { SourceRoot } from '../resolve/index.js';

/** dpkg / apk architecture names → uname -m style names used by profiles. */
const PACKAGE_ARCH: Record<string, string> = {
  amd64: 'x86_64',
  x86_64: 'x86_64',
  arm64: 'aarch64',
  aarch64: 'aarch64',
  armhf: 'armhf',
  armv7: 'armhf',
  i386: 'i386',
  x86: 'i386',
  riscv64: 'riscv64',
  ppc64el: 'ppc64le',
  ppc64le: 'ppc64le',
  s390x: 's390x',
};

/** ELF e_machine → architecture (little-endian PPC64 told apart by EI_DATA). */
function elfArch(head: Buffer): string | null {
  if (head.length < 20 || head.readUInt32BE(0) !== 0x7f454c46) return null;
  const little = head[5] === 1;
  const machine = little ? head.readUInt16LE(18) : head.readUInt16BE(18);
  switch (machine) {
    case 62:
      return 'x86_64';
    case 183:
      return 'aarch64';
    case 40:
      return 'armhf';
    case 3:
      return 'i386';
    case 243:
      return 'riscv64';
    case 21:
      return little ? 'ppc64le' : 'ppc64';
    case 22:
      return 's390x';
    default:
      return null;
  }
}

function readHead(root: SourceRoot, inRoot: string): Buffer | null {
  const real = root.realpath(inRoot);
  if (!real) return null;
  let fd: number;
  try {
    fd = openSync(root.host(real.path), 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(20);
    const n = readSync(fd, buf, 0, 20, 0);
    return buf.subarray(0, n);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * The root's architecture: from the package manager's own record when there is one, else from the
 * ELF header of its shell or its dynamic loader (cross sysroots have only lib/ and bin/).
 */
export function detectArch(root: SourceRoot): string | null {
  for (const file of ['/var/lib/dpkg/arch', '/etc/apk/arch']) {
    const first = root.readText(file)?.split('\n')[0]?.trim();
    if (first && PACKAGE_ARCH[first]) return PACKAGE_ARCH[first] as string;
  }
  const candidates = ['/bin/sh', '/usr/bin/env', '/bin/busybox'];
  for (const dir of ['/lib', '/lib64', '/usr/lib', '/usr/lib64']) {
    const real = root.realpath(dir);
    if (!real) continue;
    try {
      for (const name of readdirSync(root.host(real.path)).sort()) {
        if (/^ld-(linux|musl)/.test(name)) candidates.push(`${dir}/${name}`);
      }
    } catch {
      // unreadable library dir: try the next
    }
  }
  for (const c of candidates) {
    const head = readHead(root, c);
    const arch = head ? elfArch(head) : null;
    if (arch) return arch;
  }
  return null;
}

/** Node's process.arch → the names profiles use. */
const NODE_ARCH: Record<string, string> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  arm: 'armhf',
  ia32: 'i386',
  riscv64: 'riscv64',
  ppc64: 'ppc64le',
  s390x: 's390x',
};

/** The architecture this process runs on, in profile terms. */
export function hostArch(): string | null {
  return NODE_ARCH[process.arch] ?? null;
}

/** qemu-user's name for an architecture (armhf runs under qemu-arm). */
export function qemuName(arch: string): string {
  return arch === 'armhf' ? 'arm' : arch === 'ppc64le' ? 'ppc64le' : arch;
}
