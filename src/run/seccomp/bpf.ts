/**
 * The rules of rules.ts compiled to the classic-BPF program bubblewrap loads with `--seccomp FD`.
 * Layout: check the ABI, load the syscall number, one compare per refused syscall (unconditional
 * ones jump to a shared return, conditional ones to their argument tests), then allow. The verdict
 * for a syscall outside the list depends on nothing but arch and nr, so the kernel's seccomp
 * action cache (5.11+) lets those through without running the filter at all.
 */

import { AUDIT_ARCH, seccompArch } from './arch.js';
import { BpfAssembler, type Target } from './asm.js';
import { type PlannedSyscall, planSyscalls } from './plan.js';
import { ABI_RULES, type ArgTest, ERRNO, type ErrnoName } from './rules.js';
import type { SeccompArch } from './syscalls.js';

/** linux/seccomp.h return values. */
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  ERRNO: 0x00050000,
  ALLOW: 0x7fff0000,
} as const;

/** offsetof(struct seccomp_data, ...): int nr; u32 arch; u64 instruction_pointer; u64 args[6]. */
export const SECCOMP_DATA = { nr: 0, arch: 4, args: 16, size: 64 } as const;

/** x32 calls are x86_64 calls with this bit set in nr (__X32_SYSCALL_BIT). */
export const X32_SYSCALL_BIT = 0x40000000;

/** Little-endian: an argument's low 32 bits are the first word of its u64. */
const argLow = (n: number): number => SECCOMP_DATA.args + 8 * n;

const retErrno = (e: ErrnoName): number => SECCOMP_RET.ERRNO | ERRNO[e];

/** One argument test; jumps to `yes` when it holds, to `no` when not. */
function emitTest(a: BpfAssembler, t: ArgTest, yes: Target, no: Target): void {
  a.load(argLow(t.arg));
  if ('anyBit' in t) {
    a.jump('jset', t.anyBit, yes, no);
    return;
  }
  const [hit, miss] = 'in' in t ? [yes, no] : [no, yes];
  const values = 'in' in t ? t.in : t.notIn;
  values.forEach((v, i) => {
    a.jump('jeq', v, hit, i === values.length - 1 ? miss : null);
  });
}

/** A conditional syscall's body: each AND-group in turn; the first that holds refuses. */
function emitConditional(a: BpfAssembler, s: PlannedSyscall): void {
  const groups = s.when ?? [];
  groups.forEach((tests, g) => {
    const next = `${s.name}/group${g + 1}`;
    if (g > 0) a.label(`${s.name}/group${g}`);
    tests.forEach((t, i) => {
      const yes = i === tests.length - 1 ? `${s.name}/refuse${g}` : `${s.name}/group${g}/test${i + 1}`;
      if (i > 0) a.label(`${s.name}/group${g}/test${i}`);
      emitTest(a, t, yes, next);
    });
    a.label(`${s.name}/refuse${g}`).ret(retErrno(s.errno));
  });
  a.label(`${s.name}/group${groups.length}`).ret(SECCOMP_RET.ALLOW);
}

/**
 * The filter for `arch` (default: this process's) as raw `struct sock_filter` bytes, ready for
 * `bwrap --seccomp FD`. An ABI without a filter is a RunError with code RUN_SECCOMP_ARCH.
 */
export function seccompProgram(arch: string = process.arch): Buffer {
  // Pure in its input: assembled once per process and ABI (a job start should not pay for it).
  let program = programs.get(arch);
  if (!program) {
    program = assemble(arch);
    programs.set(arch, program);
  }
  return Buffer.from(program);
}

const programs = new Map<string, Buffer>();

function assemble(arch: string): Buffer {
  const abi: SeccompArch = seccompArch(arch);
  const planned = planSyscalls(abi);
  const a = new BpfAssembler();
  a.load(SECCOMP_DATA.arch).jump('jeq', AUDIT_ARCH[abi], 'native', 'foreign');
  a.label('foreign').ret(SECCOMP_RET.KILL_PROCESS);
  a.label('native').load(SECCOMP_DATA.nr);
  if (abi === 'x64') a.jump('jge', X32_SYSCALL_BIT, 'x32', null);
  for (const s of planned) a.jump('jeq', s.nr, s.when ? s.name : `errno/${s.errno}`, null);
  a.ret(SECCOMP_RET.ALLOW);
  if (abi === 'x64') a.label('x32').ret(retErrno(ABI_RULES.x32.errno));
  for (const e of new Set(planned.filter((s) => !s.when).map((s) => s.errno))) {
    a.label(`errno/${e}`).ret(retErrno(e));
  }
  for (const s of planned.filter((p) => p.when)) {
    a.label(s.name);
    emitConditional(a, s);
  }
  return a.assemble();
}
