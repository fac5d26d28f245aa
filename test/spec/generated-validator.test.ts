import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { generate, OUTPUT } from '../../scripts/gen-spec-validator.mjs';
import generated from '../../src/spec/schema-validator.generated.js';

describe('the precompiled spec validator', () => {
  it('matches schema/jail-spec.schema.json (else run: node scripts/gen-spec-validator.mjs)', () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(generate());
  });

  it('validates as the schema says: accepts a spec, rejects an unknown key with its parent schema', () => {
    const validate = generated as unknown as ((d: unknown) => boolean) & {
      errors?: { keyword: string; params: Record<string, unknown>; parentSchema?: unknown }[] | null;
    };
    expect(validate({ name: 'shell', binaries: ['/bin/sh'] })).toBe(true);
    expect(validate({ name: 'shell', binarys: ['/bin/sh'] })).toBe(false);
    const e = validate.errors?.find((x) => x.keyword === 'additionalProperties');
    expect(e?.params.additionalProperty).toBe('binarys');
    expect(Object.keys((e?.parentSchema as { properties?: object } | undefined)?.properties ?? {})).toContain(
      'binaries',
    );
  });
});
