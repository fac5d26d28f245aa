import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { errnoCode, SpecError } from '../errors.js';

/**
 * The spec's audit.allow list. Read minimally (YAML, one key) until the spec loader lands, so the
 * audit does not depend on the whole spec being valid for a build.
 */
export function readSpecAllow(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SpecError('SPEC_NOT_FOUND', `cannot read spec (${errnoCode(e) ?? e})`, { path: file });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new SpecError('SPEC_YAML', `spec is not valid YAML: ${(e as Error).message.split('\n')[0]}`, {
      path: file,
    });
  }
  const audit = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).audit : undefined;
  if (audit === undefined || audit === null) return [];
  const allow = typeof audit === 'object' ? (audit as Record<string, unknown>).allow : undefined;
  if (allow === undefined) return [];
  if (!Array.isArray(allow) || !allow.every((a) => typeof a === 'string')) {
    throw new SpecError('SPEC_AUDIT_ALLOW', 'audit.allow must be a list of "ID" or "ID:GLOB" strings', {
      path: file,
    });
  }
  return allow;
}
