/**
 * A tiny classic-BPF assembler: the few instructions a seccomp filter needs, with jumps written as
 * labels so no offset is ever counted by hand. A jump that cannot be encoded (backwards, or farther
 * than the 8-bit jt/jf fields reach) is a bug in the program's layout and throws.
 */

/** Opcodes (linux/bpf_common.h): class | size | mode, or class | op | source. */
export const BPF = {
  LD_W_ABS: 0x20, // BPF_LD | BPF_W | BPF_ABS
  JA: 0x05, // BPF_JMP | BPF_JA
  JEQ_K: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  JGT_K: 0x25,
  JGE_K: 0x35,
  JSET_K: 0x45,
  RET_K: 0x06, // BPF_RET | BPF_K
} as const;

/** The kernel's limit on a filter's length (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;
/** Size of one `struct sock_filter`: u16 code, u8 jt, u8 jf, u32 k. */
export const SOCK_FILTER_SIZE = 8;

export type JumpOp = 'jeq' | 'jgt' | 'jge' | 'jset';
const JUMP_CODE: Record<JumpOp, number> = {
  jeq: BPF.JEQ_K,
  jgt: BPF.JGT_K,
  jge: BPF.JGE_K,
  jset: BPF.JSET_K,
};

/** A jump target: a label, or null for the next instruction. */
export type Target = string | null;

interface Pending {
  code: number;
  k: number;
  jt: Target;
  jf: Target;
}

// Errors here are plain Error on purpose: the programs are ours, a bad one is a bug (exit 70).
export class BpfAssembler {
  private readonly insns: Pending[] = [];
  private readonly labels = new Map<string, number>();

  /** Names the next instruction. */
  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`bpf: label ${name} defined twice`);
    this.labels.set(name, this.insns.length);
    return this;
  }

  /** A = the 32-bit word at `offset` of struct seccomp_data. */
  load(offset: number): this {
    return this.push(BPF.LD_W_ABS, offset, null, null);
  }

  ret(k: number): this {
    return this.push(BPF.RET_K, k, null, null);
  }

  /** if (A op k) goto jt else goto jf. */
  jump(op: JumpOp, k: number, jt: Target, jf: Target): this {
    return this.push(JUMP_CODE[op], k, jt, jf);
  }

  /** Resolves the labels and encodes the program as an array of native little-endian sock_filter. */
  assemble(): Buffer {
    if (this.insns.length === 0 || this.insns.length > BPF_MAXINSNS) {
      throw new Error(`bpf: ${this.insns.length} instructions (1 to ${BPF_MAXINSNS} allowed)`);
    }
    const last = this.insns[this.insns.length - 1];
    if (last?.code !== BPF.RET_K) throw new Error('bpf: the program must end with a return');
    const out = Buffer.alloc(this.insns.length * SOCK_FILTER_SIZE);
    this.insns.forEach((ins, i) => {
      const at = i * SOCK_FILTER_SIZE;
      out.writeUInt16LE(ins.code, at);
      out.writeUInt8(this.offset(i, ins.jt), at + 2);
      out.writeUInt8(this.offset(i, ins.jf), at + 3);
      out.writeUInt32LE(ins.k >>> 0, at + 4);
    });
    return out;
  }

  private push(code: number, k: number, jt: Target, jf: Target): this {
    if (!Number.isInteger(k) || k < -(2 ** 31) || k > 0xffffffff) throw new Error(`bpf: bad constant ${k}`);
    this.insns.push({ code, k, jt, jf });
    return this;
  }

  /** Instructions skipped to reach `target` from the jump at `from`. */
  private offset(from: number, target: Target): number {
    if (target === null) return 0;
    const to = this.labels.get(target);
    if (to === undefined) throw new Error(`bpf: undefined label ${target}`);
    const skip = to - from - 1;
    if (skip < 0)
      throw new Error(`bpf: jump from ${from} back to ${target} (classic BPF only jumps forward)`);
    if (skip > 0xff)
      throw new Error(`bpf: jump from ${from} to ${target} skips ${skip} instructions (255 at most)`);
    return skip;
  }
}
