import type { AuditReport, RuleInfo, Severity } from '../types.js';
import { SEVERITIES } from '../types.js';

export interface TextOptions {
  /** Wraps text in a colour when the terminal allows it. */
  paint?: (severity: Severity, text: string) => string;
  /** Checks, to print each finding's one-line why. */
  checks: readonly RuleInfo[];
}

/** Grouped by severity, most severe first, with counts and a one-line why per finding. */
export function renderText(report: AuditReport, opts: TextOptions): string {
  const paint = opts.paint ?? ((_s: Severity, t: string) => t);
  const why = new Map(opts.checks.map((c) => [c.id, c.why]));
  const root = 'root' in report && typeof report.root === 'string' ? report.root : undefined;
  const head = root !== undefined ? `process root ${root}` : `${report.summary.entries} entries`;
  const lines: string[] = [`jailsmith audit ${report.jail}: ${head}`];
  for (const sev of SEVERITIES) {
    const group = report.findings.filter((f) => f.severity === sev);
    if (group.length === 0) continue;
    lines.push('', paint(sev, `${sev.toUpperCase()} (${group.length})`));
    for (const f of group) {
      lines.push(`  ${f.id}  ${f.path}: ${f.message}`);
      const w = why.get(f.id);
      if (w) lines.push(`      why: ${w}`);
    }
  }
  if (report.warnings.length > 0) {
    lines.push('', `WARNINGS (${report.warnings.length})`);
    for (const w of report.warnings) lines.push(`  ${w.path}: ${w.message}`);
  }
  const s = report.summary;
  const counts = SEVERITIES.map((sev) => `${s[sev]} ${sev}`).join(', ');
  lines.push(
    '',
    `${report.findings.length === 0 ? 'no findings' : counts}; ${s.silenced} silenced by allow rules`,
  );
  return lines.join('\n');
}
