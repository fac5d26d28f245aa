/** What a job cgroup measured: read from its interface files after the job, null when absent. */
import type { CgroupFs, CgroupStats } from './types.js';

/** A job cgroup directory and the controllers it holds (v2: all of them in one directory). */
export interface Member {
  controllers: string[];
  dir: string;
}

function readOr(fs: CgroupFs, file: string): string | null {
  try {
    return fs.read(file);
  } catch {
    return null;
  }
}

/** The number after `key` in a flat-keyed file ("key value" lines: memory.events, cpu.stat...). */
export function keyed(text: string | null, key: string): number | null {
  if (text === null) return null;
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

function single(text: string | null): number | null {
  if (text === null) return null;
  const n = Number(text.trim());
  return Number.isFinite(n) && text.trim() !== '' ? n : null;
}

export function readStats(fs: CgroupFs, version: 1 | 2, members: Member[]): CgroupStats {
  const file = (controller: string, name: string): string | null => {
    const m = members.find((x) => version === 2 || x.controllers.includes(controller));
    return m ? readOr(fs, `${m.dir}/${name}`) : null;
  };
  const pidsMax = keyed(file('pids', 'pids.events'), 'max') ?? 0;
  if (version === 1) {
    const ns = single(file('cpuacct', 'cpuacct.usage'));
    return {
      peakMemoryBytes: single(file('memory', 'memory.max_usage_in_bytes')),
      memoryLimitHit: (keyed(file('memory', 'memory.oom_control'), 'oom_kill') ?? 0) > 0,
      pidsLimitHit: pidsMax > 0,
      cpuSeconds: ns === null ? null : ns / 1e9,
    };
  }
  const usec = keyed(file('cpu', 'cpu.stat'), 'usage_usec');
  return {
    peakMemoryBytes: single(file('memory', 'memory.peak')),
    memoryLimitHit: (keyed(file('memory', 'memory.events'), 'oom_kill') ?? 0) > 0,
    pidsLimitHit: pidsMax > 0,
    cpuSeconds: usec === null ? null : usec / 1e6,
  };
}
