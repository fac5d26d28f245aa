/**
 * Two independent readers of the run filter, for tests: a classic-BPF interpreter that runs the
 * program bytes the way the kernel's seccomp does, and an evaluator of the OCI profile the way runc
 * hands it to libseccomp (entries ORed, an entry's arguments ANDed unless one index repeats, then
 * each comparison its own rule; 64-bit compares; an ABI not listed meets the bad-arch kill).
 */
import type { OciSeccompProfile } from '../../src/run/seccomp/index.js';

/** A system call as seccomp sees it: struct seccomp_data without the instruction pointer. */
export interface SyscallData {
  arch: number;
  nr: number;
  args: readonly bigint[];
}

/** What the call gets: through, an errno, or death. */
export type Verdict = 'allow' | 'kill' | { errno: number };

const SECCOMP_RET_ACTION_FULL = 0xffff0000;
const RET_KILL_PROCESS = 0x80000000;
const RET_KILL_THREAD = 0x00000000;
const RET_ERRNO = 0x00050000;
const RET_ALLOW = 0x7fff0000;

/** struct seccomp_data, little-endian: nr, arch, instruction_pointer (0 here), args[6]. */
function seccompData(d: SyscallData): Buffer {
  const b = Buffer.alloc(64);
  b.writeInt32LE(d.nr | 0, 0);
  b.writeUInt32LE(d.arch >>> 0, 4);
  for (let i = 0; i < 6; i++) b.writeBigUInt64LE(BigInt.asUintN(64, d.args[i] ?? 0n), 16 + 8 * i);
  return b;
}

/** Runs the program on one call; returns the raw 32-bit return value. Throws on what the kernel would reject. */
export function runBpf(program: Buffer, d: SyscallData): number {
  if (program.length === 0 || program.length % 8 !== 0) throw new Error('not a sock_filter array');
  const len = program.length / 8;
  const data = seccompData(d);
  let a = 0;
  for (let pc = 0; pc < len; ) {
    const at = pc * 8;
    const code = program.readUInt16LE(at);
    const jt = program.readUInt8(at + 2);
    const jf = program.readUInt8(at + 3);
    const k = program.readUInt32LE(at + 4);
    const jump = (cond: boolean) => {
      const next = pc + 1 + (cond ? jt : jf);
      if (next >= len) throw new Error(`jump out of the program at ${pc}`);
      pc = next;
    };
    switch (code) {
      case 0x20: // ld [k]
        if (k % 4 !== 0 || k + 4 > 64) throw new Error(`bad load offset ${k} at ${pc}`);
        a = data.readUInt32LE(k);
        pc++;
        break;
      case 0x05: // ja k
        pc += 1 + k;
        break;
      case 0x15:
        jump(a === k);
        break;
      case 0x25:
        jump(a > k);
        break;
      case 0x35:
        jump(a >= k);
        break;
      case 0x45:
        jump((a & k) !== 0);
        break;
      case 0x06:
        return k;
      default:
        throw new Error(`opcode 0x${code.toString(16)} at ${pc} not understood`);
    }
  }
  throw new Error('fell off the end of the program');
}

/** The verdict a seccomp return value stands for. */
export function verdictOf(ret: number): Verdict {
  const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  if (action === RET_ALLOW) return 'allow';
  if (action === RET_ERRNO) return { errno: ret & 0xffff };
  if (action === RET_KILL_PROCESS || action === RET_KILL_THREAD) return 'kill';
  throw new Error(`unexpected seccomp action 0x${action.toString(16)}`);
}

const OCI_AUDIT_ARCH: Record<string, number> = {
  SCMP_ARCH_X86_64: 0xc000003e,
  SCMP_ARCH_AARCH64: 0xc00000b7,
};

type Cmp = NonNullable<OciSeccompProfile['syscalls'][number]['args']>[number];

function compare(c: Cmp, arg: bigint): boolean {
  const v = BigInt(c.value);
  const op: string = c.op;
  switch (op) {
    case 'SCMP_CMP_MASKED_EQ':
      return (arg & v) === BigInt(c.valueTwo);
    case 'SCMP_CMP_EQ':
      return arg === v;
    case 'SCMP_CMP_NE':
      return arg !== v;
    default:
      throw new Error(`comparison ${op} not modelled`);
  }
}

/** The verdict of the OCI profile for a call to `name` (undefined: a number the tables do not name). */
export function runOci(profile: OciSeccompProfile, d: SyscallData, name: string | undefined): Verdict {
  const arches = profile.architectures.map((a) => OCI_AUDIT_ARCH[a]);
  if (!arches.includes(d.arch)) return 'kill';
  // libseccomp keeps x32 apart from x86_64 and sends it to the bad-arch action when it is not listed.
  if (d.arch === OCI_AUDIT_ARCH.SCMP_ARCH_X86_64 && d.nr >= 0x40000000) return 'kill';
  const args = d.args.map((x) => BigInt.asUintN(64, x));
  for (const entry of profile.syscalls) {
    if (name === undefined || !entry.names.includes(name)) continue;
    const conds = entry.args ?? [];
    const indexes = conds.map((c) => c.index);
    // runc: an index compared twice cannot be one libseccomp rule, so each comparison becomes a rule.
    const rules = new Set(indexes).size === indexes.length ? [conds] : conds.map((c) => [c]);
    if (rules.some((rule) => rule.every((c) => compare(c, args[c.index] ?? 0n)))) {
      if (entry.action !== 'SCMP_ACT_ERRNO') throw new Error(`action ${entry.action} not modelled`);
      return { errno: entry.errnoRet };
    }
  }
  if (profile.defaultAction !== 'SCMP_ACT_ALLOW') throw new Error('default action not modelled');
  return 'allow';
}
