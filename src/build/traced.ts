import {
  type CreatePlanOptions,
  createPlan,
  defaultCollectors,
  traceCollector,
  traceLabel,
} from '../plan/index.js';
import { SourceRoot } from '../resolve/index.js';
import type { JailSpec } from '../spec/index.js';
import { type TraceResult, traceCommand } from '../trace/index.js';
import { applyPlan } from './apply.js';
import { makejailLoop, type TracedBuild } from './makejail.js';
import { savePlanCaches, sourceCaches } from './source-caches.js';
import type { BuildOptions } from './types.js';

export interface TracedBuildOptions extends BuildOptions {
  /** Source root overriding spec.source. */
  root?: string;
  /** Runs inside the jail at most (default 3). */
  maxRounds?: number;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * makejail's loop with the real steps: plans with host traces (cached across rounds, so a re-plan
 * does not re-trace), applyPlan, and strace chrooted into the built jail. Without root (no
 * chroot) the jail is built once and a note says so.
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
  const planOpts: CreatePlanOptions = { collectors, ...caches, ...(opts.root ? { root: opts.root } : {}) };
  let source: SourceRoot | undefined;
  const result = await makejailLoop(
    spec,
    {
      plan: (more) => {
        // The trace collector reads `extra` when planning: keep it the loop's list.
        extra.splice(0, extra.length, ...more);
        return createPlan(spec, planOpts);
      },
      apply: (plan) => applyPlan(plan, dir, { ...opts, ...caches }),
      trace: (t, jail, userspec) =>
        traceCommand(t.command, {
          shell: t.shell,
          chroot: jail,
          ...(userspec ? { userspec } : {}),
          ...(spec.run.env ? { env: spec.run.env } : {}),
        }),
      inSource: (p, plan) => {
        source ??= new SourceRoot(plan.source);
        return source.realpath(p) !== null;
      },
      label: traceLabel,
      canChroot: isRoot(),
    },
    opts.maxRounds ?? 3,
  );
  savePlanCaches(caches);
  return result;
}
