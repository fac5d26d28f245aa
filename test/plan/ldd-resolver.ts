import { open } from 'node:fs/promises';
import { execa } from 'execa';
import { ResolveError } from '../../src/errors.js';
import type { Dependencies, Resolver } from '../../src/resolve/types.js';

/**
 * A stand-in resolver for the host root built on ldd (safe on the host's own files), used where a
 * test needs real closures independent of the resolver module.
 */
export function lddResolver(): Resolver {
  return {
    root: '/',
    async resolve(file, opts) {
      const fh = await open(file, 'r').catch(() => undefined);
      if (!fh) throw new ResolveError('RESOLVE_NOT_FOUND', 'no such file', { path: file });
      const head = Buffer.alloc(4);
      await fh.read(head, 0, 4, 0);
      await fh.close();
      if (head.toString('latin1') !== '\x7fELF') {
        if (opts?.lenient) return null;
        throw new ResolveError('RESOLVE_NOT_ELF', 'not an ELF file', { path: file });
      }
      const { stdout } = await execa('ldd', [file], { reject: false });
      const closure = new Set<string>();
      let interpreter: string | null = null;
      for (const line of stdout.split('\n')) {
        const m = /=>\s*(\/\S+)\s+\(0x/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
        if (m?.[1]) closure.add(m[1]);
        if (/^\s*\/\S*ld-linux\S*\s/.test(line)) interpreter = line.trim().split(/\s+/)[0] ?? null;
      }
      const sorted = [...closure].sort();
      const deps: Dependencies = { interpreter, closure: sorted, missing: [], files: sorted };
      return deps;
    },
  };
}
