import { describe, expect, it } from 'vitest';
import type { BuildResult } from '../../src/build/index.js';
import { type JailTrace, type MakejailSteps, makejailLoop, runUserspec } from '../../src/build/index.js';
import type { JailPlan } from '../../src/plan/index.js';
import type { JailSpec, SpecTrace } from '../../src/spec/index.js';

const t1: SpecTrace = { command: ['prog', 'a'], shell: false } as SpecTrace;
const t2: SpecTrace = { command: ['other'], shell: false } as SpecTrace;

function spec(over: Partial<{ trace: SpecTrace[]; user: string | number; users: unknown[] }> = {}): JailSpec {
  return {
    trace: over.trace ?? [t1],
    run: over.user === undefined ? {} : { user: over.user },
    users: over.users ?? [],
  } as unknown as JailSpec;
}

/**
 * Fake steps: the plan holds base + extra; each in-jail run reports as missing what `needs` lists
 * for it and the plan lacks. Records every call so rounds can be checked one by one.
 */
function fake(needs: Map<SpecTrace, string[]>, opts: { canChroot?: boolean; source?: Set<string> } = {}) {
  const calls: string[] = [];
  const steps: MakejailSteps = {
    async plan(extra) {
      calls.push(`plan ${extra.join(',')}`);
      return {
        source: '/',
        entries: ['/bin/prog', ...extra].map((path) => ({ path })),
      } as unknown as JailPlan;
    },
    async apply(plan) {
      calls.push(`apply ${plan.entries.length}`);
      return { dir: '/jail', notes: ['built'] } as unknown as BuildResult;
    },
    async trace(t, jail, userspec): Promise<JailTrace> {
      calls.push(`trace ${t.command[0]} in ${jail} as ${userspec}`);
      const have =
        calls
          .filter((c) => c.startsWith('plan '))
          .at(-1)
          ?.slice(5)
          .split(',') ?? [];
      const missing = (needs.get(t) ?? []).filter((p) => !have.includes(p));
      return { exitCode: missing.length > 0 ? 1 : 0, missing, missingDevices: t === t2 ? ['/dev/tty'] : [] };
    },
    inSource: (p) => opts.source?.has(p) ?? true,
    label: (t) => t.command.join(' '),
    canChroot: opts.canChroot ?? true,
  };
  return { steps, calls };
}

describe('makejail loop (fake planner, applier and tracer)', () => {
  it('adds what the jail run missed and re-plans until nothing is missing', async () => {
    const { steps, calls } = fake(new Map([[t1, ['/usr/lib/a.so']]]));
    const r = await makejailLoop(spec(), steps);
    expect(r.rounds).toEqual([
      { round: 1, exitCodes: [1], added: ['/usr/lib/a.so'], missingDevices: [] },
      { round: 2, exitCodes: [0], added: [], missingDevices: [] },
    ]);
    expect(calls).toEqual([
      'plan ',
      'apply 1',
      'trace prog in /jail as null',
      'plan /usr/lib/a.so',
      'apply 2',
      'trace prog in /jail as null',
    ]);
    expect(r.build.notes).toEqual([
      'built',
      'trace round 1: exit 1 in the jail; added 1: /usr/lib/a.so',
      'trace round 2: exit 0 in the jail; nothing missing',
    ]);
  });

  it('only adds paths the source root has; stops at the bound and says so', async () => {
    const { steps } = fake(new Map([[t1, ['/gone', '/x1']]]), { source: new Set(['/x1']) });
    const r = await makejailLoop(spec(), steps, 1);
    expect(r.rounds).toHaveLength(1);
    expect(r.rounds[0]?.added).toEqual(['/x1']);
    expect(r.build.notes).toContain('trace: stopped after 1 rounds with paths still missing');
    expect(r.build.notes).toContain('trace: prog a still exits 1 inside the jail');
  });

  it('names devices the commands looked for, and runs as run.user', async () => {
    const { steps, calls } = fake(new Map(), {});
    const r = await makejailLoop(
      spec({ trace: [t1, t2], user: 'app', users: [{ name: 'app', uid: 7, gid: 8 }] }),
      steps,
    );
    expect(calls).toContain('trace other in /jail as 7:8');
    expect(r.rounds[0]?.missingDevices).toEqual(['/dev/tty']);
    expect(r.build.notes.at(-1)).toMatch(/looked for \/dev\/tty inside the jail; list them under devices/);
  });

  it('without chroot the jail is built once and a note says the commands were not re-run', async () => {
    const { steps, calls } = fake(new Map([[t1, ['/a']]]), { canChroot: false });
    const r = await makejailLoop(spec(), steps);
    expect(calls).toEqual(['plan ', 'apply 1']);
    expect(r.rounds).toEqual([]);
    expect(r.build.notes).toEqual([
      'built',
      'trace: the commands were not re-run inside the jail (chroot needs root)',
    ]);
  });

  it('run.user: a name from the spec, a bare number as uid:gid, an unknown name as root', () => {
    expect(runUserspec(spec({ user: 5 }))).toBe('5:5');
    expect(runUserspec(spec({ user: 'nobody-here' }))).toBeNull();
    expect(runUserspec(spec())).toBeNull();
  });
});
