import path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { PACKAGE_ROOT } from '../version.js';
import generated from './schema-validator.generated.js';
import type { KeyPath, SourceDoc } from './source-doc.js';
import { nearest } from './suggest.js';

/** The shipped schema (also what editors use for completion). */
export const SCHEMA_PATH = path.join(PACKAGE_ROOT, 'schema/jail-spec.schema.json');

// Compiled ahead of time (scripts/gen-spec-validator.mjs): compiling the schema and ajv's
// meta-schema on each run cost more than the rest of loading a spec.
function validator(): ValidateFunction {
  return generated as unknown as ValidateFunction;
}

/** Checks one parsed spec file against the schema; throws a SpecError at the most specific problem. */
export function validateDoc(doc: SourceDoc): void {
  const validate = validator();
  if (validate(doc.data)) return;
  const errors = validate.errors ?? [];
  // The deepest problem is the most useful; among equals, an unknown key beats a type complaint.
  const rank = (e: ErrorObject) =>
    e.instancePath.split('/').length * 10 + (e.keyword === 'additionalProperties' ? 1 : 0);
  const worst = errors.reduce((a, b) => (rank(b) > rank(a) ? b : a));
  throw toSpecError(doc, worst);
}

function pointerToPath(pointer: string): KeyPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

const typeWords: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  null: 'null',
};

function toSpecError(doc: SourceDoc, e: ErrorObject) {
  const at = pointerToPath(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const known = Object.keys(
        (e.parentSchema as { properties?: object } | undefined)?.properties ?? {},
      ).filter((k) => k !== '$schema');
      const guess = nearest(key, known);
      const expected = `one of ${known.join(', ')}`;
      return doc.error(
        'SPEC_UNKNOWN_KEY',
        `unknown key "${key}"${guess ? `; did you mean "${guess}"?` : ''}`,
        [...at, key],
        { key: true, label: at, expected, hint: guess ? undefined : `valid keys here: ${known.join(', ')}` },
      );
    }
    case 'required': {
      const key = String(e.params.missingProperty);
      return doc.error('SPEC_REQUIRED', `missing required key "${key}"`, at, { expected: key });
    }
    case 'type': {
      const types = String(e.params.type)
        .split(',')
        .map((t) => typeWords[t] ?? t);
      const expected = types.join(' or ');
      return doc.error('SPEC_TYPE', `expected ${expected}, got ${describe(e.data)}`, at, { expected });
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const guess = typeof e.data === 'string' ? nearest(e.data, allowed) : undefined;
      const expected = `one of ${allowed.join(', ')}`;
      return doc.error(
        'SPEC_VALUE',
        `${describe(e.data)} is not allowed; expected ${expected}${guess ? ` (did you mean "${guess}"?)` : ''}`,
        at,
        { expected },
      );
    }
    case 'pattern': {
      const mode = /mode$/.test(String(at[at.length - 1]));
      const expected = mode ? 'an octal mode string such as "0755"' : `a value matching ${e.params.pattern}`;
      return doc.error('SPEC_VALUE', `expected ${expected}, got ${describe(e.data)}`, at, { expected });
    }
    default:
      return doc.error('SPEC_VALUE', `${e.message ?? 'invalid value'}, got ${describe(e.data)}`, at, {
        expected: e.message,
      });
  }
}
