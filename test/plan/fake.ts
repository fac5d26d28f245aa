import { chmodSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ResolveError } from '../../src/errors.js';
import type { Dependencies, Resolver } from '../../src/resolve/types.js';
import { parseSpec } from '../../src/spec/load.js';
import type { JailSpec } from '../../src/spec/types.js';

export type Node = string | { link: string } | { mode: number; content: string } | { hardlink: string };

/** Creates a source root from in-root path → content (string), symlink, or file with a mode. */
export function makeRoot(dir: string, tree: Record<string, Node>): string {
  for (const [p, node] of Object.entries(tree)) {
    const host = path.join(dir, p);
    mkdirSync(path.dirname(host), { recursive: true });
    if (typeof node === 'string') {
      if (p.endsWith('/')) mkdirSync(host, { recursive: true });
      else writeFileSync(host, node);
    } else if ('link' in node) symlinkSync(node.link, host);
    else if ('hardlink' in node) linkSync(path.join(dir, node.hardlink), host);
    else {
      writeFileSync(host, node.content);
      chmodSync(host, node.mode);
    }
  }
  return dir;
}

/** A resolver answering from a table (in-root path → the files it needs); records what it was asked. */
export function fakeResolver(root: string, table: Record<string, string[]>) {
  const calls: { file: string; lenient: boolean }[] = [];
  const resolver: Resolver = {
    root,
    async resolve(file, opts) {
      calls.push({ file, lenient: opts?.lenient ?? false });
      const files = table[file];
      if (!files) {
        if (opts?.lenient) return null;
        throw new ResolveError('NOT_ELF', 'not an ELF file or #! script', { path: file });
      }
      const deps: Dependencies = { interpreter: null, closure: files, missing: [], files };
      return deps;
    },
  };
  return { resolver, calls };
}

export async function spec(yaml: string, root: string): Promise<JailSpec> {
  return parseSpec(yaml, path.join(root, '..', 'spec.yaml'), { root });
}
