/** e_machine values the resolver knows by name, with their multiarch triplet and AT_PLATFORM. */
export interface MachineInfo {
  name: string;
  /** Debian multiarch triplet for glibc. */
  triplet: string;
  /** AT_PLATFORM as the kernel reports it ($PLATFORM). */
  platform: string;
  /** Architectures whose non-multiarch distributions keep 64-bit libraries in lib64. */
  lib64: boolean;
  /** musl's ARCH in ld-musl-ARCH.so.1. */
  musl: string;
}

export const EM = {
  I386: 3,
  MIPS: 8,
  PPC: 20,
  PPC64: 21,
  S390: 22,
  ARM: 40,
  X86_64: 62,
  AARCH64: 183,
  RISCV: 243,
  LOONGARCH: 258,
} as const;

const EF_ARM_ABI_FLOAT_HARD = 0x400;

/** Machine facts by class and machine; null for a machine we do not know. */
export function machineInfo(
  bits: 32 | 64,
  machine: number,
  flags = 0,
  endian: 'le' | 'be' = 'le',
): MachineInfo | null {
  switch (machine) {
    case EM.X86_64:
      return bits === 64
        ? { name: 'x86_64', triplet: 'x86_64-linux-gnu', platform: 'x86_64', lib64: true, musl: 'x86_64' }
        : { name: 'x32', triplet: 'x86_64-linux-gnux32', platform: 'x86_64', lib64: false, musl: 'x32' };
    case EM.I386:
      return { name: 'i386', triplet: 'i386-linux-gnu', platform: 'i686', lib64: false, musl: 'i386' };
    case EM.AARCH64:
      return endian === 'le'
        ? { name: 'aarch64', triplet: 'aarch64-linux-gnu', platform: 'aarch64', lib64: true, musl: 'aarch64' }
        : {
            name: 'aarch64_be',
            triplet: 'aarch64_be-linux-gnu',
            platform: 'aarch64_be',
            lib64: true,
            musl: 'aarch64_be',
          };
    case EM.ARM: {
      const hf = (flags & EF_ARM_ABI_FLOAT_HARD) !== 0;
      return {
        name: hf ? 'armhf' : 'armel',
        triplet: hf ? 'arm-linux-gnueabihf' : 'arm-linux-gnueabi',
        platform: 'v7l',
        lib64: false,
        musl: hf ? 'armhf' : 'arm',
      };
    }
    case EM.PPC64:
      return endian === 'le'
        ? {
            name: 'ppc64le',
            triplet: 'powerpc64le-linux-gnu',
            platform: 'power8',
            lib64: true,
            musl: 'powerpc64le',
          }
        : {
            name: 'ppc64',
            triplet: 'powerpc64-linux-gnu',
            platform: 'power8',
            lib64: true,
            musl: 'powerpc64',
          };
    case EM.PPC:
      return {
        name: 'powerpc',
        triplet: 'powerpc-linux-gnu',
        platform: 'powerpc',
        lib64: false,
        musl: 'powerpc',
      };
    case EM.S390:
      return bits === 64
        ? { name: 's390x', triplet: 's390x-linux-gnu', platform: 'z13', lib64: true, musl: 's390x' }
        : null;
    case EM.RISCV:
      return bits === 64
        ? { name: 'riscv64', triplet: 'riscv64-linux-gnu', platform: '', lib64: true, musl: 'riscv64' }
        : { name: 'riscv32', triplet: 'riscv32-linux-gnu', platform: '', lib64: false, musl: 'riscv32' };
    case EM.LOONGARCH:
      return {
        name: 'loongarch64',
        triplet: 'loongarch64-linux-gnu',
        platform: 'loongarch',
        lib64: true,
        musl: 'loongarch64',
      };
    case EM.MIPS:
      return bits === 64
        ? {
            name: 'mips64',
            triplet: endian === 'le' ? 'mips64el-linux-gnuabi64' : 'mips64-linux-gnuabi64',
            platform: 'mips',
            lib64: true,
            musl: endian === 'le' ? 'mips64el' : 'mips64',
          }
        : {
            name: 'mips',
            triplet: endian === 'le' ? 'mipsel-linux-gnu' : 'mips-linux-gnu',
            platform: 'mips',
            lib64: false,
            musl: endian === 'le' ? 'mipsel' : 'mips',
          };
    default:
      return null;
  }
}

/** e_machine of the host Node runs on, or null. */
export function hostMachine(): { bits: 32 | 64; machine: number } | null {
  switch (process.arch) {
    case 'x64':
      return { bits: 64, machine: EM.X86_64 };
    case 'ia32':
      return { bits: 32, machine: EM.I386 };
    case 'arm64':
      return { bits: 64, machine: EM.AARCH64 };
    case 'arm':
      return { bits: 32, machine: EM.ARM };
    case 'ppc64':
      return { bits: 64, machine: EM.PPC64 };
    case 's390x':
      return { bits: 64, machine: EM.S390 };
    case 'riscv64':
      return { bits: 64, machine: EM.RISCV };
    case 'loong64':
      return { bits: 64, machine: EM.LOONGARCH };
    default:
      return null;
  }
}

/**
 * The ld.so.cache flags ldconfig records for a library of this kind (FLAG_ELF_LIBC6 plus the
 * architecture's "required" bits), so cache entries of another ABI are not picked.
 */
export function cacheFlags(bits: 32 | 64, machine: number, flags = 0): number[] {
  const LIBC6 = 0x0003;
  switch (machine) {
    case EM.X86_64:
      return bits === 64 ? [0x0303] : [0x0803];
    case EM.AARCH64:
      return [0x0a03];
    case EM.PPC64:
      return [0x0503];
    case EM.S390:
      return bits === 64 ? [0x0403] : [LIBC6, 0x0001];
    case EM.ARM:
      return (flags & EF_ARM_ABI_FLOAT_HARD) !== 0 ? [0x0903] : [0x0b03, LIBC6, 0x0001];
    case EM.RISCV:
      // Double-float ABI is the distribution default; soft-float has its own flag.
      return (flags & 0x6) === 0 ? [0x0f03] : [0x1003];
    case EM.LOONGARCH:
      return (flags & 0x3) === 1 ? [0x1103] : [0x1203];
    default:
      return [LIBC6, 0x0001];
  }
}
