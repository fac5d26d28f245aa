import { lstatSync, statSync } from 'node:fs';
import type { SourceRoot } from '../resolve/index.js';
import type { ParsedTrace } from './parse.js';

/**
 * Kernel, device and runtime trees: never copied from a trace (a jail mounts or creates its own;
 * what sits in /tmp or /run belongs to the running host, not to the program).
 */
const EXCLUDED = ['/proc', '/sys', '/dev', '/run', '/tmp', '/var/tmp'];

/**
 * Secrets a traced program may read on the host (su reads shadow, sshd its host keys): never
 * copied into a jail by a trace; reported so the user can list them on purpose.
 */
const SENSITIVE = [
  /^\/etc\/g?shadow-?$/,
  /^\/etc\/ssh\/ssh_host_[^/]*key$/,
  /^\/etc\/sudoers(\.d\/.*)?$/,
  /^\/root(\/|$)/,
  /^\/home\//,
];

export interface TraceSummary {
  /** Existing non-directories the command opened, executed or stat'ed, sorted. */
  files: string[];
  /** Existing directories it listed, entered or stat'ed, sorted. */
  dirs: string[];
  /** Paths it asked for that did not exist (ENOENT/ENOTDIR), sorted. */
  missing: string[];
  /** Device nodes under /dev it looked for in vain (a jail has only the devices its spec lists). */
  missingDevices: string[];
  /** Secrets it read that were left out (shadow files, ssh host keys, home directories). */
  sensitive: string[];
}

export interface SummaryOptions {
  /** Host directories (the trace's own temporaries) whose contents never count. */
  ignore: string[];
  /**
   * Host directory the command was chrooted into: only events after a successful chroot() count,
   * and decoded fd paths under it are mapped back into the jail.
   */
  chroot?: string;
  /**
   * Count only events after a successful chroot() (to '/' for a host trace), without mapping
   * paths: what the wrappers (unshare, chroot --userspec) opened before it is not the command's.
   */
  afterChroot?: boolean;
}

const under = (p: string, dir: string) => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);

/**
 * Reduces parsed strace events to in-root paths. Only absolute paths count; writes, exclusions and
 * paths that no longer exist after the run are dropped (the command's own output files).
 */
export function summarize(trace: ParsedTrace, root: SourceRoot, opts: SummaryOptions): TraceSummary {
  const active = new Set<number>();
  const forkOf = new Map<number, number>();
  for (const f of trace.forks) forkOf.set(f.child, f.pid);
  const isActive = (pid: number): boolean => {
    if (!opts.chroot && !opts.afterChroot) return true;
    for (let p: number | undefined = pid; p !== undefined; p = forkOf.get(p)) if (active.has(p)) return true;
    return false;
  };
  const toJail = (p: string, literal: boolean): string | null => {
    if (!opts.chroot || literal) return p;
    if (under(p, opts.chroot)) return p.slice(opts.chroot.length) || '/';
    return null;
  };
  const ok = new Set<string>();
  const missing = new Set<string>();
  const missingDevices = new Set<string>();
  const sensitive = new Set<string>();
  // A chrooting process counts from its next successful exec: what the chroot tool itself looks
  // up after chroot() (--userspec reads passwd, group and nsswitch.conf) is not the command's.
  const pending = new Set<number>();
  for (const e of trace.events) {
    if (e.kind === 'chroot') {
      if (e.ok) pending.add(e.pid);
      continue;
    }
    if (pending.has(e.pid)) {
      if (e.kind !== 'exec' || !e.ok) continue;
      pending.delete(e.pid);
      active.add(e.pid);
    }
    if (!isActive(e.pid) || !e.path.startsWith('/')) continue;
    // Decoded fd paths are host paths; a literal absolute argument is already a jail path.
    const literal = !e.fromFd;
    const p = toJail(e.path, literal);
    if (p === null) continue;
    if (!e.ok && e.errno === 'ENOENT' && under(p, '/dev') && p !== '/dev') missingDevices.add(p);
    if (EXCLUDED.some((x) => under(p, x)) || opts.ignore.some((x) => under(e.path, x))) continue;
    if (e.ok && !e.write && SENSITIVE.some((r) => r.test(p))) sensitive.add(p);
    else if (e.ok && !e.write) ok.add(p);
    else if (!e.ok && (e.errno === 'ENOENT' || e.errno === 'ENOTDIR')) missing.add(p);
  }
  const files: string[] = [];
  const dirs: string[] = [];
  for (const p of ok) {
    const real = root.realpath(p);
    if (!real) continue;
    try {
      if (statSync(root.host(real.path)).isDirectory()) dirs.push(p);
      else if (lstatSync(root.host(real.path))) files.push(p);
    } catch {
      // vanished since: the command's own temporary
    }
  }
  return {
    files: files.sort(),
    dirs: dirs.sort(),
    missing: [...missing].sort(),
    missingDevices: [...missingDevices].sort(),
    sensitive: [...sensitive].sort(),
  };
}
