import { octalMode } from '../sys/index.js';
import { summarizePlan } from './summary.js';
import type { JailPlan, PlanEntry } from './types.js';

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function entryLine(e: PlanEntry): string {
  const mode = octalMode(e.mode);
  const extra =
    e.type === 'symlink' || e.type === 'hardlink'
      ? ` -> ${e.target}`
      : e.type === 'device'
        ? ` ${e.device} ${e.major},${e.minor}`
        : e.type === 'file'
          ? ` (${bytes(e.size)})`
          : '';
  return `  ${e.type.padEnd(9)} ${mode} ${`${e.uid}:${e.gid}`.padEnd(11)} ${e.path}${extra}`;
}

/**
 * A readable summary of a plan: counts by type, total size, notes; with `entries` every entry too,
 * and with `explain` every entry followed by why it is there.
 */
export function formatPlanText(plan: JailPlan, entries = false, explain = false): string {
  const s = summarizePlan(plan);
  const counts = Object.entries(s.counts)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${n} ${t}${n === 1 || t === 'generated' ? '' : 's'}`)
    .join(', ');
  const lines = [`jail ${s.name} from ${s.source}: ${s.entries} entries, ${bytes(s.bytes)}`, `  ${counts}`];
  if (explain)
    lines.push(
      'entries (and why):',
      ...plan.entries.map(
        (e) => `${entryLine(e)}\n      why: ${e.why ?? 'unknown (a plan saved before provenance)'}`,
      ),
    );
  else if (entries) lines.push('entries:', ...plan.entries.map(entryLine));
  if (s.notes.length > 0) lines.push('notes:', ...s.notes.map((n) => `  - ${n}`));
  return lines.join('\n');
}
