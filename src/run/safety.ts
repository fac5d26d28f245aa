/**
 * The gate before a run: a jail whose static audit has critical findings is refused (a setuid root
 * binary, a writable /etc, a devtmpfs...), since namespaces cannot make such a jail safe.
 */
import { auditJail } from '../audit/audit.js';
import type { AuditReport } from '../audit/types.js';
import { RunError } from '../errors.js';

export async function refuseUnsafeJail(jail: string, allow: readonly string[] = []): Promise<AuditReport> {
  const report = await auditJail(jail, { allow });
  const critical = report.findings.filter((f) => f.severity === 'critical');
  if (critical.length > 0) {
    const first = critical
      .slice(0, 3)
      .map((f) => `${f.id} ${f.path}`)
      .join('; ');
    throw new RunError(
      'RUN_UNSAFE_JAIL',
      `refusing a jail whose audit finds ${critical.length} critical problem${critical.length > 1 ? 's' : ''}: ${first}${critical.length > 3 ? '; …' : ''}`,
      {
        path: jail,
        details: { critical },
        hint: '`jailsmith audit DIR` shows them; --allow-unsafe runs anyway',
      },
    );
  }
  return report;
}
