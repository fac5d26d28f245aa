/**
 * The README's "Library API" list is the public API: it must name exactly what dist/index.d.ts
 * exports (read with the TypeScript checker, so re-exports count). Needs `npm run build` first
 * (npm test builds).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

function exportedNames(dts: string): string[] {
  const program = ts.createProgram([dts], { noEmit: true });
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(dts);
  if (!sf) throw new Error(`${dts} is missing: run npm run build first`);
  const mod = checker.getSymbolAtLocation(sf);
  if (!mod) throw new Error(`${dts} is not a module`);
  return checker
    .getExportsOfModule(mod)
    .map((s) => s.name)
    .sort();
}

function readmeNames(): string[] {
  const text = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const m = /<!-- api:start -->\n([\s\S]*?)<!-- api:end -->/.exec(text);
  if (!m) throw new Error('README.md lacks the api:start / api:end markers');
  return [...(m[1] as string).matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((x) => x[1] as string).sort();
}

describe('the public API', () => {
  it('the README lists exactly the names dist/index.d.ts exports', () => {
    const listed = readmeNames();
    expect(new Set(listed).size, 'a name is listed twice').toBe(listed.length);
    expect(listed).toEqual(exportedNames(path.join(REPO, 'dist/index.d.ts')));
  });

  it('stays a deliberate size; the rest is in jailsmith/internal', () => {
    const api = exportedNames(path.join(REPO, 'dist/index.d.ts'));
    expect(api.length).toBeLessThanOrEqual(70);
    const internal = exportedNames(path.join(REPO, 'dist/internal.d.ts'));
    expect(api.filter((n) => !internal.includes(n))).toEqual([]);
  });
});
