import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { loadSpec } from '../../src/spec/load.js';
import type { JailSpec } from '../../src/spec/types.js';

/** Writes spec files (name → YAML text) into dir; returns the path of the first. */
export function writeSpecs(dir: string, files: Record<string, string>): string {
  const paths = Object.entries(files).map(([name, text]) => {
    const p = path.join(dir, name);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  });
  return paths[0] as string;
}

/** Loads a spec that must fail; returns the SpecError. */
export async function specFailure(file: string): Promise<SpecError> {
  let spec: JailSpec | undefined;
  try {
    spec = await loadSpec(file);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return e as SpecError;
  }
  throw new Error(`expected ${file} to fail, got ${JSON.stringify(spec)}`);
}
