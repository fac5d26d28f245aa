/** What the resolver needs from one ELF file: identity, interpreter and the dynamic section. */
export interface ElfInfo {
  /** 32 or 64 (EI_CLASS). */
  bits: 32 | 64;
  /** Byte order (EI_DATA). */
  endian: 'le' | 'be';
  /** EI_OSABI. */
  osabi: number;
  /** e_type: 2 ET_EXEC, 3 ET_DYN, ... */
  type: number;
  /** e_machine, e.g. 62 for x86_64, 183 for aarch64. */
  machine: number;
  /** e_flags (ARM float ABI, MIPS ABI, RISC-V float ABI). */
  flags: number;
  /** PT_INTERP, or null. */
  interpreter: string | null;
  /** A PT_DYNAMIC segment is present (false for a classic static executable). */
  dynamic: boolean;
  /** DT_NEEDED names in order. */
  needed: string[];
  /** DT_RPATH as stored (colon separated, tokens unexpanded), or null. */
  rpath: string | null;
  /** DT_RUNPATH as stored, or null. */
  runpath: string | null;
  /** DT_SONAME, or null. */
  soname: string | null;
  /** DT_FLAGS_1 (0 when absent). */
  flags1: number;
}

export const ET_EXEC = 2;
export const ET_DYN = 3;
export const DF_1_NODEFLIB = 0x800;

/**
 * A random-access view of a file: `read(offset, length)` returns exactly that many bytes or fewer
 * when the file ends first. The returned Buffer may be reused by the next call.
 */
export interface ByteSource {
  read(offset: number, length: number): Buffer;
}
