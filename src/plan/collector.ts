import type { PlanContext } from './context.js';
import type { Copier } from './copy.js';

/**
 * One source of jail content. Collectors run in order, each adding entries to the context or
 * queueing in-root paths on the copier; ELF closures are resolved as paths arrive. New sources
 * (packages, trace) plug in by adding a collector to the list in collectors.ts; a collector named
 * after a spec key ('packages', 'trace') is what makes createPlan accept that key.
 */
export interface Collector {
  name: string;
  collect(ctx: PlanContext, copier: Copier): void | Promise<void>;
}
