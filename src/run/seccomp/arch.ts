/**
 * The ABIs the filter exists for, and how the kernel names them in seccomp_data.arch. Both are
 * little-endian, which is how bpf.ts writes the program and reads an argument's low half.
 */
import { endianness } from 'node:os';
import { RunError } from '../../errors.js';
import type { SeccompArch } from './syscalls.js';

/** linux/audit.h: AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64. */
export const AUDIT_ARCH: Readonly<Record<SeccompArch, number>> = { x64: 0xc000003e, arm64: 0xc00000b7 };

/** libseccomp's names, as OCI runtimes read them. */
export const SCMP_ARCH: Readonly<Record<SeccompArch, string>> = {
  x64: 'SCMP_ARCH_X86_64',
  arm64: 'SCMP_ARCH_AARCH64',
};

/**
 * `arch` (a Node process.arch name) as a supported ABI; anything else is a RunError: a job must not
 * run believing it is filtered when no filter exists for its ABI.
 */
export function seccompArch(arch: string): SeccompArch {
  if (arch === 'x64' || arch === 'arm64') {
    // The host's own program is loaded as-is: a big-endian host would read every word reversed.
    if (arch === process.arch && endianness() !== 'LE') {
      throw new RunError('RUN_SECCOMP_ARCH', `no seccomp filter for big-endian ${arch}`, {
        details: { arch, endianness: endianness() },
      });
    }
    return arch;
  }
  throw new RunError('RUN_SECCOMP_ARCH', `no seccomp filter for architecture ${arch} (x64 and arm64 only)`, {
    details: { arch },
    hint: 'run with seccomp turned off, knowing the job is then unfiltered',
  });
}
