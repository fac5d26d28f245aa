/**
 * The same rules as an OCI runtime-spec `linux.seccomp` object, for runtimes that build their own
 * filter with libseccomp (runc, crun, youki). Every argument test becomes SCMP_CMP_MASKED_EQ with a
 * mask inside the low 32 bits, so like the BPF program it ignores the high half the kernel drops
 * (the trick flatpak uses for TIOCSTI); tests a single comparison cannot say become several
 * entries, which the runtime ORs: `in` one entry per value, `anyBit` one per bit, `notIn` the
 * prefix cubes covering every other value.
 *
 * What the profile cannot say: calls through another ABI (i386 or x32 on x86_64, aarch32 on arm64)
 * meet libseccomp's bad-arch action, which kills the thread, where the BPF program kills the process
 * (foreign ABI) or answers EPERM (x32). Both refuse.
 */
import { SCMP_ARCH, seccompArch } from './arch.js';
import { planSyscalls } from './plan.js';
import { type ArgTest, ERRNO } from './rules.js';

export interface OciSeccompArg {
  index: number;
  /** For SCMP_CMP_MASKED_EQ: the mask. */
  value: number;
  /** For SCMP_CMP_MASKED_EQ: what the masked argument must equal. */
  valueTwo: number;
  op: 'SCMP_CMP_MASKED_EQ';
}

export interface OciSeccompSyscall {
  names: string[];
  action: 'SCMP_ACT_ERRNO';
  errnoRet: number;
  args?: OciSeccompArg[];
}

export interface OciSeccompProfile {
  defaultAction: 'SCMP_ACT_ALLOW';
  architectures: string[];
  syscalls: OciSeccompSyscall[];
}

interface Cube {
  mask: number;
  value: number;
}

const LOW32 = 0xffffffff;

/** Cubes (mask, value) whose union is every 32-bit value except `values`: one per trie branch. */
export function complementCubes(values: readonly number[]): Cube[] {
  const out: Cube[] = [];
  const walk = (mask: number, prefix: number, bit: number, set: readonly number[]): void => {
    if (bit < 0) return; // set is exactly this value: nothing outside it here
    const b = 2 ** bit;
    const m = (mask | b) >>> 0;
    for (const side of [0, b]) {
      const sub = set.filter((v) => (v & b) >>> 0 === side);
      const p = (prefix | side) >>> 0;
      if (sub.length === 0) out.push({ mask: m, value: p });
      else walk(m, p, bit - 1, sub);
    }
  };
  walk(0, 0, 31, [...new Set(values.map((v) => v >>> 0))]);
  return out;
}

/** The cubes whose union is the set of values passing `t`. */
function cubes(t: ArgTest): Cube[] {
  if ('in' in t) return t.in.map((v) => ({ mask: LOW32, value: v >>> 0 }));
  if ('notIn' in t) return complementCubes(t.notIn);
  const bits: Cube[] = [];
  for (let bit = 0; bit < 32; bit++) {
    const b = 2 ** bit;
    if ((t.anyBit & b) !== 0) bits.push({ mask: b, value: b });
  }
  return bits;
}

/** An AND of tests as an OR of argument lists: the cross product of each test's cubes. */
function argLists(tests: readonly ArgTest[]): OciSeccompArg[][] {
  let lists: OciSeccompArg[][] = [[]];
  for (const t of tests) {
    lists = lists.flatMap((l) =>
      cubes(t).map((c) => [
        ...l,
        { index: t.arg, value: c.mask, valueTwo: c.value, op: 'SCMP_CMP_MASKED_EQ' as const },
      ]),
    );
  }
  return lists;
}

/**
 * The filter for `arch` (default: this process's) as an OCI `linux.seccomp` object: default allow,
 * the listed calls refused with their errno. Entries with the same errno and arguments share one
 * `names` list, in rule order, so the output is stable.
 */
export function ociSeccompProfile(arch: string = process.arch): OciSeccompProfile {
  const abi = seccompArch(arch);
  const entries = new Map<string, OciSeccompSyscall>();
  for (const s of planSyscalls(abi)) {
    const errnoRet = ERRNO[s.errno];
    const alternatives = s.when ? s.when.flatMap(argLists) : [undefined];
    for (const args of alternatives) {
      const key = JSON.stringify([errnoRet, args ?? null]);
      const seen = entries.get(key);
      if (seen) {
        if (!seen.names.includes(s.name)) seen.names.push(s.name);
        continue;
      }
      entries.set(key, {
        names: [s.name],
        action: 'SCMP_ACT_ERRNO',
        errnoRet,
        ...(args ? { args } : {}),
      });
    }
  }
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: [SCMP_ARCH[abi]],
    syscalls: [...entries.values()],
  };
}
