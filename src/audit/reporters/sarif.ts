import { VERSION } from '../../version.js';
import type { AuditReport, RuleInfo, Severity } from '../types.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};
/** GitHub code scanning reads this property to rank security results. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.0',
  low: '2.0',
  info: '0.5',
};

/** RFC 3986 path: each byte outside unreserved/sub-delims is percent-encoded. */
function uriPath(raw: Buffer): string {
  let out = '';
  for (const b of raw) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A jail directory as the base URI; a probe report (jail "pid:N") has host paths: base is /. */
function jailUri(jail: string): string {
  if (!jail.startsWith('/')) return 'file:///';
  return `file://${uriPath(Buffer.from(jail.endsWith('/') ? jail : `${jail}/`))}`;
}

/** SARIF 2.1.0: one rule per check id (with help text), one result per finding. */
export function toSarif(report: AuditReport, checks: readonly RuleInfo[]): object {
  const index = new Map(checks.map((c, i) => [c.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'jailsmith',
            version: VERSION,
            informationUri: 'https://github.com/jailsmith/jailsmith',
            rules: checks.map((c) => ({
              id: c.id,
              name: c.id.replace(/(^|-)(\w)/g, (_m, _d, ch: string) => ch.toUpperCase()),
              shortDescription: { text: c.title },
              fullDescription: { text: c.why },
              help: { text: c.help },
              defaultConfiguration: { level: LEVEL[c.severity] },
              properties: {
                tags: ['security', 'chroot'],
                'security-severity': SECURITY_SEVERITY[c.severity],
              },
            })),
          },
        },
        originalUriBaseIds: { JAIL: { uri: jailUri(report.jail) } },
        results: report.findings.map((f) => {
          const raw = f.pathBase64 ? Buffer.from(f.pathBase64, 'base64') : Buffer.from(f.path);
          const rel = uriPath(raw).replace(/^\/+/, '') || '.';
          const result: Record<string, unknown> = {
            ruleId: f.id,
            level: LEVEL[f.severity],
            message: { text: f.message },
            locations: [{ physicalLocation: { artifactLocation: { uri: rel, uriBaseId: 'JAIL' } } }],
            properties: { severity: f.severity, path: f.path },
          };
          const i = index.get(f.id);
          if (i !== undefined) result.ruleIndex = i;
          return result;
        }),
      },
    ],
  };
}
