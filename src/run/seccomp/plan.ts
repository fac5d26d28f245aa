/**
 * The rules resolved for one ABI: one entry per refused syscall that exists there, with its errno
 * and the conditions (an OR of ANDs) under which it is refused. bpf.ts and oci.ts both render this,
 * so the two forms cannot read the rules differently. Checks the data's invariants on the way.
 */
import { type ArgTest, type ErrnoName, SECCOMP_KEPT, SECCOMP_RULES, type SyscallRule } from './rules.js';
import { type SeccompArch, SYSCALL_NUMBERS, syscallNumber } from './syscalls.js';

export interface PlannedSyscall {
  name: string;
  nr: number;
  errno: ErrnoName;
  /** null: refused whatever the arguments. Otherwise refused when every test of any one entry holds. */
  when: readonly (readonly ArgTest[])[] | null;
}

const ARG_COUNT = 6;

// Plain Errors on purpose: the rule tables are ours, a bad one is a bug (exit 70).
function checkTests(rule: SyscallRule): void {
  const args = new Set<number>();
  for (const t of rule.when ?? []) {
    if (!Number.isInteger(t.arg) || t.arg < 0 || t.arg >= ARG_COUNT || args.has(t.arg)) {
      // One test per argument: a rule's tests are ANDed, and libseccomp allows each argument once.
      throw new Error(`seccomp rule for ${rule.syscalls.join(',')}: bad or repeated argument ${t.arg}`);
    }
    args.add(t.arg);
    const values = 'in' in t ? t.in : 'notIn' in t ? t.notIn : [t.anyBit];
    if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new Error(`seccomp rule for ${rule.syscalls.join(',')}: values must be unsigned 32-bit`);
    }
  }
}

function known(name: string): boolean {
  return Object.values(SYSCALL_NUMBERS).some((table) => Object.hasOwn(table, name));
}

/** The refused syscalls of `arch`, in rule order (first rule naming each syscall). */
export function planSyscalls(arch: SeccompArch): PlannedSyscall[] {
  const byName = new Map<string, PlannedSyscall>();
  for (const rule of SECCOMP_RULES) {
    checkTests(rule);
    for (const name of rule.syscalls) {
      if (!known(name)) throw new Error(`seccomp rule names ${name}, which syscalls.ts does not know`);
      const nr = syscallNumber(arch, name);
      if (nr === undefined) continue; // not on this ABI: nothing to refuse
      const when = rule.when ? [rule.when] : null;
      const seen = byName.get(name);
      if (!seen) {
        byName.set(name, { name, nr, errno: rule.errno, when });
        continue;
      }
      // First match (BPF) and any match (OCI) agree only if a syscall's rules share one action,
      // and an unconditional rule would make the conditional ones dead.
      if (seen.errno !== rule.errno || seen.when === null || when === null) {
        throw new Error(`seccomp rules for ${name} disagree (errno, or conditional and unconditional)`);
      }
      seen.when = [...seen.when, ...when];
    }
  }
  for (const kept of SECCOMP_KEPT) {
    for (const name of kept.syscalls) {
      if (!known(name)) throw new Error(`seccomp kept list names ${name}, which syscalls.ts does not know`);
      if (byName.has(name)) throw new Error(`seccomp: ${name} is both kept and refused`);
    }
  }
  return [...byName.values()];
}
