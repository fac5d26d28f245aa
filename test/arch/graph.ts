/**
 * The import graph of src/, read from the sources as text: every `import ... from`, `export ...
 * from`, side-effect `import '...'` and dynamic `import('...')` with a relative specifier.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ImportEdge {
  /** Importing file, relative to src/ ('build/traced.ts'). */
  from: string;
  /** Imported file, relative to src/ ('plan/index.ts'). */
  to: string;
  dynamic: boolean;
}

const SPEC =
  /(?:^|[\s;}])(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

function files(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p, base);
    return e.name.endsWith('.ts') ? [path.relative(base, p)] : [];
  });
}

/** Comments removed, so a specifier in prose is not an import. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

export function importEdges(srcDir: string): ImportEdge[] {
  const out: ImportEdge[] = [];
  for (const f of files(srcDir)) {
    const text = code(readFileSync(path.join(srcDir, f), 'utf8'));
    for (const m of text.matchAll(SPEC)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec?.startsWith('.')) continue;
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(f), spec)).replace(/\.js$/, '.ts');
      out.push({ from: f, to, dynamic: m[3] !== undefined });
    }
  }
  return out;
}

/** A file's node: its top folder under src/ ('plan'), or for a file at src/ its name ('errors'). */
export function folderOf(file: string): string {
  const i = file.indexOf('/');
  return i < 0 ? file.replace(/\.ts$/, '') : file.slice(0, i);
}

/** Cycles among folders (each as a path a → b → ... → a), found by depth-first search. */
export function folderCycles(arrows: ReadonlySet<string>): string[][] {
  const next = new Map<string, string[]>();
  for (const a of arrows) {
    const [x, y] = a.split(' -> ') as [string, string];
    next.set(x, [...(next.get(x) ?? []), y]);
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of next.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...next.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}
