import type { JailPlan, PlanEntry } from './types.js';

export interface PlanSummary {
  name: string;
  source: string;
  counts: Record<PlanEntry['type'], number>;
  entries: number;
  /** Bytes of files and generated content. */
  bytes: number;
  notes: string[];
}

export function summarizePlan(plan: JailPlan): PlanSummary {
  const counts: PlanSummary['counts'] = { dir: 0, file: 0, generated: 0, symlink: 0, hardlink: 0, device: 0 };
  let bytes = 0;
  for (const e of plan.entries) {
    counts[e.type]++;
    if (e.type === 'file' || e.type === 'generated') bytes += e.size;
  }
  return {
    name: plan.name,
    source: plan.source,
    counts,
    entries: plan.entries.length,
    bytes,
    notes: plan.notes,
  };
}
