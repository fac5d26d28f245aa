import type { AuditReport } from '../types.js';

/** The JSON contract: {jail, findings: [{id, severity, path, message, pathBase64?}], summary, warnings}. */
export function toJson(report: AuditReport): object {
  return {
    jail: report.jail,
    findings: report.findings.map((f) => {
      const o: Record<string, string> = { id: f.id, severity: f.severity, path: f.path, message: f.message };
      if (f.pathBase64) o.pathBase64 = f.pathBase64;
      return o;
    }),
    summary: report.summary,
    warnings: report.warnings,
  };
}
