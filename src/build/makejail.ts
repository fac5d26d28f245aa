/**
 * makejail's loop, as a build strategy: plan (with host traces), apply, run each trace command
 * inside the built jail, add what it looked for in vain that the source root has, re-plan; until
 * nothing is missing or the bound is reached. The planner, the applier and the tracer are passed
 * in (MakejailSteps), so the rounds and notes are testable with fakes; traced.ts wires the real ones.
 */
import type { JailPlan } from '../plan/index.js';
import type { JailSpec, SpecTrace } from '../spec/index.js';
import type { BuildResult } from './types.js';

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

/** What one traced run inside the jail reports. */
export interface JailTrace {
  exitCode: number;
  missing: readonly string[];
  missingDevices: readonly string[];
}

export interface MakejailSteps {
  /** A plan of the spec with `extra` in-root paths added (the host traces are the planner's). */
  plan(extra: readonly string[]): Promise<JailPlan>;
  /** Builds the jail from a plan. */
  apply(plan: JailPlan): Promise<BuildResult>;
  /** Runs one trace command chrooted into `jail` (as `userspec` when set). */
  trace(t: SpecTrace, jail: string, userspec: string | null): Promise<JailTrace>;
  /** Is the in-root path in the source root (links followed inside it)? */
  inSource(p: string, plan: JailPlan): boolean;
  /** The label of a trace command in notes. */
  label(t: SpecTrace): string;
  /** Whether the commands can be re-run inside the jail (chroot needs root). */
  canChroot: boolean;
}

export async function makejailLoop(
  spec: JailSpec,
  steps: MakejailSteps,
  maxRounds = 3,
): Promise<TracedBuild> {
  const extra: string[] = [];
  let p = await steps.plan(extra);
  let build = await steps.apply(p);
  const rounds: TraceRound[] = [];
  const notes: string[] = [];
  if (spec.trace.length > 0 && !steps.canChroot) {
    notes.push('trace: the commands were not re-run inside the jail (chroot needs root)');
  }
  const userspec = runUserspec(spec);
  for (let round = 1; spec.trace.length > 0 && steps.canChroot && round <= maxRounds; round++) {
    const have = new Set(p.entries.map((e) => e.path));
    const added = new Set<string>();
    const exitCodes: number[] = [];
    const devices = new Set<string>();
    for (const t of spec.trace) {
      const r = await steps.trace(t, build.dir, userspec);
      exitCodes.push(r.exitCode);
      for (const d of r.missingDevices) devices.add(d);
      for (const m of r.missing) if (!have.has(m) && !extra.includes(m) && steps.inSource(m, p)) added.add(m);
    }
    rounds.push({ round, exitCodes, added: [...added].sort(), missingDevices: [...devices].sort() });
    if (added.size === 0) break;
    extra.push(...added);
    p = await steps.plan(extra);
    build = await steps.apply(p);
  }
  notes.push(...roundNotes(spec, rounds, maxRounds, steps.label));
  return { build: { ...build, notes: [...build.notes, ...notes] }, rounds };
}

/** What the rounds say in the build's notes. */
export function roundNotes(
  spec: JailSpec,
  rounds: readonly TraceRound[],
  maxRounds: number,
  label: (t: SpecTrace) => string,
): string[] {
  const notes: string[] = [];
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
    notes.push(`trace: stopped after ${maxRounds} rounds with paths still missing`);
  last?.exitCodes.forEach((c, i) => {
    const t = spec.trace[i];
    if (c !== 0 && t) notes.push(`trace: ${label(t)} still exits ${c} inside the jail`);
  });
  return notes;
}

/** The jail runs its command as run.user: the confirming runs do too (as root otherwise). */
export function runUserspec(spec: JailSpec): string | null {
  const u = spec.run.user;
  if (u === undefined) return null;
  const named = spec.users.find((x) => x.name === String(u) || x.uid === Number(u));
  if (named) return `${named.uid}:${named.gid}`;
  return typeof u === 'number' || /^\d+$/.test(String(u)) ? `${u}:${u}` : null;
}
