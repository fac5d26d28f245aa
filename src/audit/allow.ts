import picomatch from 'picomatch';
import { UsageError } from '../errors.js';
import type { Finding } from './types.js';

export interface AllowRule {
  id: string;
  glob?: string;
  test(f: Finding): boolean;
}

/**
 * `ID` or `ID:GLOB` (glob over the in-jail path, e.g. `setuid-binary:/usr/bin/*`). `*` as the id
 * matches every check. Globs without a leading '/' are taken relative to the jail root.
 */
export function parseAllow(spec: string, knownIds: readonly string[]): AllowRule {
  const i = spec.indexOf(':');
  const id = i < 0 ? spec : spec.slice(0, i);
  const rawGlob = i < 0 ? undefined : spec.slice(i + 1);
  if (id !== '*' && !knownIds.includes(id)) {
    throw new UsageError('AUDIT_ALLOW_UNKNOWN_ID', `--allow names an unknown check id '${id}'`, {
      hint: `known ids: ${knownIds.join(', ')} (also the rules of --sarif output)`,
    });
  }
  if (rawGlob === '') throw new UsageError('AUDIT_ALLOW_EMPTY_GLOB', `--allow '${spec}' has an empty glob`);
  const glob =
    rawGlob === undefined
      ? undefined
      : rawGlob.startsWith('/') || rawGlob.startsWith('*')
        ? rawGlob
        : `/${rawGlob}`;
  const match = glob === undefined ? () => true : picomatch(glob, { dot: true });
  const rule: AllowRule = { id, test: (f) => (id === '*' || f.id === id) && match(f.path) };
  if (glob !== undefined) rule.glob = glob;
  return rule;
}

export function applyAllow(
  findings: Finding[],
  rules: readonly AllowRule[],
): { kept: Finding[]; silenced: number } {
  if (rules.length === 0) return { kept: findings, silenced: 0 };
  const kept = findings.filter((f) => !rules.some((r) => r.test(f)));
  return { kept, silenced: findings.length - kept.length };
}
