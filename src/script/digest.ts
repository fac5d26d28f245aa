import { createHash } from 'node:crypto';
import type { JailPlan } from '../plan/index.js';

/** JSON with object keys sorted at every level and no whitespace: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** sha256 (hex) of the plan's canonical JSON: names a plan in script headers and reports. */
export function planDigest(plan: JailPlan): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}
