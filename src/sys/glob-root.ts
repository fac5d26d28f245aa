import { readdirSync } from 'node:fs';
import picomatch from 'picomatch';
import type { RootView } from './root-view.js';

const MAGIC = /[*?[\]{}]/;

/**
 * Expands an absolute glob against a source root, one path component at a time (so `*` never spans
 * a '/'). Directories are listed through SourceRoot, so links such as /lib → usr/lib are followed
 * inside the root; the paths returned are the unresolved in-root spellings, sorted. Hidden names
 * match only a component that starts with '.' (as glob(3) without GLOB_PERIOD).
 */
export function globRoot(root: RootView, pattern: string): string[] {
  let current = ['/'];
  const parts = pattern.split('/').filter(Boolean);
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of current) {
      const base = dir === '/' ? '' : dir;
      if (!MAGIC.test(part)) {
        // realpath (not lstat of the host path) so a link in a parent never leaves the root.
        if (root.realpath(`${base}/${part}`, false) !== null) next.push(`${base}/${part}`);
        continue;
      }
      const real = root.realpath(dir);
      if (!real) continue;
      let names: string[];
      try {
        names = readdirSync(root.host(real.path));
      } catch {
        continue;
      }
      const match = picomatch(part, { dot: part.startsWith('.') });
      for (const n of names.sort()) if (match(n)) next.push(`${base}/${n}`);
    }
    current = next;
  }
  return current;
}
