import { readFileSync } from 'node:fs';

/** x86-64 micro-architecture levels as glibc-hwcaps names them, with the CPU flags each needs. */
const X86_LEVELS: [string, string[]][] = [
  ['x86-64-v2', ['cx16', 'lahf_lm', 'popcnt', 'pni', 'sse4_1', 'sse4_2', 'ssse3']],
  ['x86-64-v3', ['avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave']],
  ['x86-64-v4', ['avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl']],
];

let hostLevels: string[] | undefined;

/** Levels this CPU supports, best first (as glibc searches them), read from the host's /proc/cpuinfo. */
export function hostX86Levels(cpuinfo?: string): string[] {
  if (cpuinfo === undefined && hostLevels) return hostLevels;
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      text = '';
    }
  }
  const line = /^flags\s*:(.*)$/m.exec(text);
  const flags = new Set((line?.[1] ?? '').trim().split(/\s+/));
  const out: string[] = [];
  for (const [name, needs] of X86_LEVELS) {
    if (!needs.every((f) => flags.has(f))) break;
    out.unshift(name);
  }
  if (cpuinfo === undefined) hostLevels = out;
  return out;
}
