/**
 * The run filter built in TypeScript (src/run/seccomp/), read back without a kernel: the program
 * bytes run through a BPF interpreter, the OCI profile through a model of runc + libseccomp, and
 * the two must agree on every syscall the rules name. The syscall tables are checked against the
 * kernel headers. Loading the program for real is seccomp-bwrap.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunError } from '../../src/errors.js';
import { BpfAssembler } from '../../src/run/seccomp/asm.js';
import {
  ABI_RULES,
  ERRNO,
  ociSeccompProfile,
  SECCOMP_KEPT,
  SECCOMP_RULES,
  type SeccompArch,
  seccompProgram,
  syscallNumber,
} from '../../src/run/seccomp/index.js';
import { complementCubes } from '../../src/run/seccomp/oci.js';
import { NEWER_THAN_HEADERS, SYSCALL_NUMBERS } from '../../src/run/seccomp/syscalls.js';
import { requireThat } from '../helpers/tools.js';
import { runBpf, runOci, type SyscallData, type Verdict, verdictOf } from './seccomp-eval.js';

const ARCHES: SeccompArch[] = ['x64', 'arm64'];
const AUDIT = { x64: 0xc000003e, arm64: 0xc00000b7 } as const;
const AUDIT_I386 = 0x40000003;
const AUDIT_ARM = 0x40000028;
const EPERM = { errno: ERRNO.EPERM };
const EAFNOSUPPORT = { errno: ERRNO.EAFNOSUPPORT };

/** Calls every job makes, with their numbers per ABI (checked against the headers below too). */
const ORDINARY: Record<string, Record<SeccompArch, number>> = {
  read: { x64: 0, arm64: 63 },
  write: { x64: 1, arm64: 64 },
  openat: { x64: 257, arm64: 56 },
  getpid: { x64: 39, arm64: 172 },
  exit_group: { x64: 231, arm64: 94 },
};

const HEADERS: Record<SeccompArch, string[]> = {
  x64: ['/usr/include/x86_64-linux-gnu/asm/unistd_64.h', '/usr/x86_64-linux-gnu/include/asm/unistd_64.h'],
  arm64: ['/usr/aarch64-linux-gnu/include/asm-generic/unistd.h', '/usr/include/asm-generic/unistd.h'],
};
const HEADER_PKG = { x64: 'linux-libc-dev', arm64: 'linux-libc-dev-arm64-cross' };

/** `#define __NR_name number` lines of a uapi header (asm-generic's #ifdefs hold none we use). */
function headerNumbers(file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of readFileSync(file, 'utf8').matchAll(/^#define __NR_(\w+)\s+(\d+)\s*$/gm)) {
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

const ruleNames = [...new Set([...SECCOMP_RULES, ...SECCOMP_KEPT].flatMap((r) => r.syscalls))];

function call(arch: SeccompArch, name: string, args: bigint[] = []): SyscallData {
  const nr = syscallNumber(arch, name) ?? ORDINARY[name]?.[arch];
  if (nr === undefined) throw new Error(`no ${name} on ${arch}`);
  return { arch: AUDIT[arch], nr, args };
}

const bpf = (arch: SeccompArch, d: SyscallData): Verdict => verdictOf(runBpf(seccompProgram(arch), d));

describe('syscall tables', () => {
  for (const arch of ARCHES) {
    const header = HEADERS[arch].find((f) => existsSync(f));
    it.runIf(
      requireThat(header !== undefined, `${arch} syscall header`, `apt-get install ${HEADER_PKG[arch]}`),
    )(`${arch}: every number the rules use is the header's, and a name the header lacks is absent`, () => {
      const h = headerNumbers(header!);
      for (const name of ruleNames) {
        if (Object.hasOwn(NEWER_THAN_HEADERS, name)) continue;
        expect({ name, nr: syscallNumber(arch, name) }).toEqual({ name, nr: h.get(name) });
      }
      for (const [name, nrs] of Object.entries(ORDINARY)) expect(h.get(name)).toBe(nrs[arch]);
      // The table holds exactly the rules' names: nothing stale.
      expect(Object.keys(SYSCALL_NUMBERS[arch]).filter((n) => !ruleNames.includes(n))).toEqual([]);
    });
  }
  it('modify_ldt, iopl, ioperm exist on x86_64 only', () => {
    for (const n of ['modify_ldt', 'iopl', 'ioperm']) {
      expect(syscallNumber('x64', n)).toBeTypeOf('number');
      expect(syscallNumber('arm64', n)).toBeUndefined();
    }
  });
});

describe('BPF assembler', () => {
  it('resolves labels into jt/jf and refuses what cannot be encoded', () => {
    const ok = new BpfAssembler().jump('jeq', 1, 'yes', null).ret(0).label('yes').ret(1).assemble();
    expect([...ok.subarray(0, 8)]).toEqual([0x15, 0, 1, 0, 1, 0, 0, 0]);
    expect(() => new BpfAssembler().label('a').ret(0).jump('jeq', 1, 'a', null).ret(0).assemble()).toThrow(
      /only jumps forward/,
    );
    const far = new BpfAssembler().jump('jeq', 1, 'far', null);
    for (let i = 0; i < 256; i++) far.ret(0);
    expect(() => far.label('far').ret(1).assemble()).toThrow(/skips 256 instructions/);
    expect(() => new BpfAssembler().jump('jeq', 1, 'nowhere', null).ret(0).assemble()).toThrow(/undefined/);
    expect(() => new BpfAssembler().label('a').label('a')).toThrow(/twice/);
    expect(() => new BpfAssembler().load(0).assemble()).toThrow(/end with a return/);
  });
});

describe('seccompProgram', () => {
  it('an unknown architecture is a RunError RUN_SECCOMP_ARCH', () => {
    for (const f of [() => seccompProgram('riscv64'), () => ociSeccompProfile('ia32')]) {
      expect(f).toThrow(RunError);
      expect(f).toThrow(expect.objectContaining({ code: 'RUN_SECCOMP_ARCH' }));
    }
  });

  it('defaults to this process’s architecture and is whole sock_filter records', () => {
    if (process.arch === 'x64' || process.arch === 'arm64') {
      expect(seccompProgram()).toEqual(seccompProgram(process.arch));
    }
    for (const arch of ARCHES) expect(seccompProgram(arch).length % 8).toBe(0);
  });

  for (const arch of ARCHES) {
    describe(arch, () => {
      it('every rule’s syscall gets the rule’s errno (argument rules: when their arguments match)', () => {
        for (const rule of SECCOMP_RULES) {
          if (rule.when) continue;
          for (const name of rule.syscalls) {
            if (syscallNumber(arch, name) === undefined) continue;
            expect({ name, v: bpf(arch, call(arch, name)) }).toEqual({
              name,
              v: { errno: ERRNO[rule.errno] },
            });
          }
        }
        expect(bpf(arch, call(arch, 'clone3'))).toEqual({ errno: ERRNO.ENOSYS });
      });

      it('argument rules: clone namespaces, personality, terminal ioctls, socket families', () => {
        const hi = 1n << 32n;
        const cases: [string, bigint[], Verdict][] = [
          ['clone', [0x11n /* SIGCHLD */], 'allow'],
          ['clone', [0x3d0f00n /* pthread_create's flags */], 'allow'],
          ['clone', [0x10000000n /* CLONE_NEWUSER */], EPERM],
          ['clone', [0x40000000n | 0x11n /* CLONE_NEWNET */], EPERM],
          ['clone', [0x00020000n /* CLONE_NEWNS */], EPERM],
          ['personality', [0n], 'allow'],
          ['personality', [8n], 'allow'],
          ['personality', [0xffffffffn], 'allow'],
          ['personality', [hi], 'allow'], // the kernel reads 32 bits: PER_LINUX
          ['personality', [6n /* PER_BSD */], EPERM],
          ['personality', [0x0400000n /* READ_IMPLIES_EXEC */], EPERM],
          ['personality', [0x0040000n /* ADDR_NO_RANDOMIZE */], EPERM],
          ['ioctl', [0n, 0x5401n /* TCGETS */], 'allow'],
          ['ioctl', [0n, 0x5412n /* TIOCSTI */], EPERM],
          ['ioctl', [0n, hi | 0x5412n], EPERM], // the high half does not hide it
          ['ioctl', [0n, 0x541cn /* TIOCLINUX */], EPERM],
          ['ioctl', [0n, 0x5423n /* TIOCSETD */], EPERM],
          ['socket', [1n, 1n, 0n], 'allow'],
          ['socket', [2n, 2n, 17n], 'allow'],
          ['socket', [10n, 1n, 6n], 'allow'],
          ['socket', [16n, 3n, 0n /* NETLINK_ROUTE */], 'allow'],
          ['socket', [16n, 3n, 9n /* NETLINK_AUDIT */], EAFNOSUPPORT],
          ['socket', [16n, 2n, 15n /* NETLINK_KOBJECT_UEVENT */], EAFNOSUPPORT],
          ['socket', [17n /* AF_PACKET */, 2n, 0n], EAFNOSUPPORT],
          ['socket', [40n /* AF_VSOCK */, 1n, 0n], EAFNOSUPPORT],
          ['socket', [38n /* AF_ALG */, 5n, 0n], EAFNOSUPPORT],
          ['socket', [15n /* AF_KEY */, 3n, 2n], EAFNOSUPPORT],
          ['socket', [hi | 17n, 2n, 0n], EAFNOSUPPORT],
          ['socketpair', [1n, 1n, 0n], 'allow'],
          ['socketpair', [38n, 5n, 0n], EAFNOSUPPORT],
        ];
        for (const [name, args, want] of cases) {
          expect({ name, args, v: bpf(arch, call(arch, name, args)) }).toEqual({ name, args, v: want });
        }
      });

      it('ordinary and kept syscalls are allowed', () => {
        const allowed = [...Object.keys(ORDINARY), ...SECCOMP_KEPT.flatMap((k) => k.syscalls)];
        for (const name of allowed) {
          expect({ name, v: bpf(arch, call(arch, name, [1n, 2n, 3n])) }).toEqual({ name, v: 'allow' });
        }
      });

      it('another ABI is killed (the whole process)', () => {
        const foreign = arch === 'x64' ? AUDIT_I386 : AUDIT_ARM;
        for (const nr of [0, 20, 172]) {
          expect(runBpf(seccompProgram(arch), { arch: foreign, nr, args: [] })).toBe(0x80000000);
        }
        expect(ABI_RULES.foreignArch.action).toBe('kill-process');
      });
    });
  }

  it('x64: x32 numbers (bit 30) are refused with EPERM, arm64 has no such bit', () => {
    expect(bpf('x64', { arch: AUDIT.x64, nr: 0x40000000, args: [] })).toEqual(EPERM);
    expect(bpf('x64', { arch: AUDIT.x64, nr: 0x40000000 + 39, args: [] })).toEqual(EPERM);
    expect(bpf('arm64', { arch: AUDIT.arm64, nr: 0x40000000, args: [] })).toBe('allow');
  });
});

describe('OCI profile', () => {
  it('complementCubes: disjoint cubes covering every value but the given ones', () => {
    const set = [0, 8, 0xffffffff];
    const cubes = complementCubes(set);
    const hits = (x: number) => cubes.filter((c) => (x & c.mask) >>> 0 === c.value).length;
    for (const x of corpus()) expect({ x, hits: hits(x) }).toEqual({ x, hits: set.includes(x) ? 0 : 1 });
  });

  it('is default-allow for the one native ABI, every comparison masked to the low 32 bits', () => {
    const p = ociSeccompProfile('x64');
    expect(p).toMatchObject({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'] });
    expect(ociSeccompProfile('arm64').architectures).toEqual(['SCMP_ARCH_AARCH64']);
    for (const s of p.syscalls) {
      for (const a of s.args ?? []) {
        expect(a.op).toBe('SCMP_CMP_MASKED_EQ');
        expect(a.value).toBeLessThanOrEqual(0xffffffff);
      }
    }
    expect(ociSeccompProfile('arm64').syscalls.flatMap((s) => s.names)).not.toContain('modify_ldt');
  });

  for (const arch of ARCHES) {
    it(`${arch}: the BPF program and the OCI profile agree on every syscall the rules name`, () => {
      const program = seccompProgram(arch);
      const profile = ociSeccompProfile(arch);
      const names = [...ruleNames, ...Object.keys(ORDINARY)].filter(
        (n) => syscallNumber(arch, n) !== undefined || ORDINARY[n],
      );
      let compared = 0;
      for (const name of names) {
        for (const args of argVectors()) {
          const d = call(arch, name, args);
          const want = verdictOf(runBpf(program, d));
          expect({ name, args, v: runOci(profile, d, name) }).toEqual({ name, args, v: want });
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(10_000);
      // What the profile cannot say the same way: both refuse, libseccomp by its bad-arch kill.
      const foreign = { arch: arch === 'x64' ? AUDIT_I386 : AUDIT_ARM, nr: 20, args: [] };
      expect([verdictOf(runBpf(program, foreign)), runOci(profile, foreign, undefined)]).toEqual([
        'kill',
        'kill',
      ]);
      if (arch === 'x64') {
        const x32 = { arch: AUDIT.x64, nr: 0x40000000, args: [] };
        expect([verdictOf(runBpf(program, x32)), runOci(profile, x32, 'read')]).toEqual([EPERM, 'kill']);
      }
    });
  }
});

/** Values around every constant the rules test, every bit, and a fixed pseudo-random spread. */
function corpus(): number[] {
  const out = new Set<number>([0, 1, 0xffffffff, 0xfffffffe, 0x7fffffff, 0x80000000]);
  for (const r of SECCOMP_RULES) {
    for (const t of r.when ?? []) {
      const values = 'in' in t ? t.in : 'notIn' in t ? t.notIn : [t.anyBit];
      for (const v of values) for (const d of [-1, 0, 1]) out.add((v + d) >>> 0);
    }
  }
  for (let b = 0; b < 32; b++) {
    out.add(2 ** b);
    out.add((0xffffffff - 2 ** b) >>> 0);
    out.add((2 ** b + 8) >>> 0);
  }
  let x = 0x9e3779b9;
  for (let i = 0; i < 64; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.add(x >>> 0);
  }
  return [...out];
}

/** Argument vectors: each corpus value in args 0, 1, 2 (also with a high half), and netlink × protocol. */
function argVectors(): bigint[][] {
  const values = corpus().map(BigInt);
  const out: bigint[][] = [];
  for (const v of values) {
    out.push([v], [0n, v], [0n, 0n, v], [v | (1n << 32n)], [0n, v | (0xdeadn << 32n)]);
    out.push([16n, 3n, v], [(1n << 40n) | 16n, 3n, v | (1n << 33n)]);
  }
  return out;
}
