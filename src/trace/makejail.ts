import { applyPlan } from '../build/apply.js';
import { savePlanCaches, sourceCaches } from '../build/source-caches.js';
import type { BuildOptions, BuildResult } from '../build/types.js';
import { traceCollector, traceLabel } from '../plan/collect-trace.js';
import { defaultCollectors } from '../plan/collectors.js';
import { createPlan } from '../plan/create-plan.js';
import type { JailPlan } from '../plan/types.js';
import { SourceRoot } from '../resolve/source-root.js';
import type { JailSpec } from '../spec/types.js';
import { type TraceResult, traceCommand } from './run.js';

/** One run of the trace commands inside the built jail. */
export interface TraceRound {
  round: number;
  /** Exit code of each trace command inside the jail, in spec order. */
  exitCodes: number[];
  /** Paths the commands looked for in vain that the source root has: added for the next build. */
  added: string[];
  /** Device nodes the commands looked for in vain: the spec decides which devices a jail gets. */
  missingDevices: string[];
}

export interface TracedBuild {
  build: BuildResult;
  rounds: TraceRound[];
}

export interface TracedBuildOptions extends BuildOptions {
  /** Source root overriding spec.source. */
  root?: string;
  /** Runs inside the jail at most (default 3). */
  maxRounds?: number;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * makejail's loop: plan with host traces, build, run each trace command inside the jail under
 * strace (chroot), add what it missed that the host has, rebuild; until nothing is missing or the
 * bound is reached. Without root (no chroot) the jail is built once and a note says so.
 */
export async function buildTraced(
  spec: JailSpec,
  dir: string,
  opts: TracedBuildOptions = {},
): Promise<TracedBuild> {
  const cache = new Map<string, TraceResult>();
  const extra: string[] = [];
  const collectors = defaultCollectors.map((c) =>
    c.name === 'trace' ? traceCollector({ cache, extra }) : c,
  );
  if (!collectors.some((c) => c.name === 'trace')) collectors.push(traceCollector({ cache, extra }));
  // One set of source caches for every round: a rebuild re-reads only what is new.
  const caches = sourceCaches(dir, opts.force === true);
  const plan = (): Promise<JailPlan> =>
    createPlan(spec, { collectors, ...caches, ...(opts.root ? { root: opts.root } : {}) });
  let p = await plan();
  let build = await applyPlan(p, dir, { ...opts, ...caches });
  const rounds: TraceRound[] = [];
  const notes: string[] = [];
  if (spec.trace.length > 0 && !isRoot()) {
    notes.push('trace: the commands were not re-run inside the jail (chroot needs root)');
  }
  const source = new SourceRoot(p.source);
  const userspec = runUserspec(spec);
  const max = opts.maxRounds ?? 3;
  for (let round = 1; spec.trace.length > 0 && isRoot() && round <= max; round++) {
    const have = new Set(p.entries.map((e) => e.path));
    const added = new Set<string>();
    const exitCodes: number[] = [];
    const devices = new Set<string>();
    for (const t of spec.trace) {
      const r = await traceCommand(t.command, {
        shell: t.shell,
        chroot: build.dir,
        ...(userspec ? { userspec } : {}),
        ...(spec.run.env ? { env: spec.run.env } : {}),
      });
      exitCodes.push(r.exitCode);
      for (const d of r.missingDevices) devices.add(d);
      for (const m of r.missing) if (!have.has(m) && !extra.includes(m) && source.realpath(m)) added.add(m);
    }
    rounds.push({ round, exitCodes, added: [...added].sort(), missingDevices: [...devices].sort() });
    if (added.size === 0) break;
    extra.push(...added);
    p = await plan();
    build = await applyPlan(p, dir, { ...opts, ...caches });
  }
  for (const r of rounds) {
    const codes = r.exitCodes.join(', ');
    notes.push(
      r.added.length > 0
        ? `trace round ${r.round}: exit ${codes} in the jail; added ${r.added.length}: ${r.added.join(' ')}`
        : `trace round ${r.round}: exit ${codes} in the jail; nothing missing`,
    );
  }
  const last = rounds.at(-1);
  if (last && last.missingDevices.length > 0) {
    notes.push(
      `trace: the commands looked for ${last.missingDevices.join(', ')} inside the jail; list them under devices: if they need them`,
    );
  }
  if (last && last.added.length > 0)
    notes.push(`trace: stopped after ${max} rounds with paths still missing`);
  last?.exitCodes.forEach((c, i) => {
    const t = spec.trace[i];
    if (c !== 0 && t) notes.push(`trace: ${traceLabel(t)} still exits ${c} inside the jail`);
  });
  savePlanCaches(caches);
  return { build: { ...build, notes: [...build.notes, ...notes] }, rounds };
}

/** The jail runs its command as run.user: the confirming runs do too (as root otherwise). */
function runUserspec(spec: JailSpec): string | null {
  const u = spec.run.user;
  if (u === undefined) return null;
  const named = spec.users.find((x) => x.name === String(u) || x.uid === Number(u));
  if (named) return `${named.uid}:${named.gid}`;
  return typeof u === 'number' || /^\d+$/.test(String(u)) ? `${u}:${u}` : null;
}
