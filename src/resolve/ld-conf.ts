import path from 'node:path';
import { globRoot } from '../sys/index.js';
import type { SourceRoot } from './source-root.js';

/** Nested includes deeper than this are a loop; ldconfig would recurse forever. */
const MAX_DEPTH = 16;
/** Each file is read once: includes that glob each other would otherwise grow exponentially. */
const MAX_FILES = 1000;

/** Directories listed by the root's /etc/ld.so.conf, following `include` globs, in order. */
export function readLdSoConf(root: SourceRoot, file = '/etc/ld.so.conf'): string[] {
  const dirs: string[] = [];
  parseConf(root, file, dirs, 0, new Set());
  return dirs;
}

function parseConf(root: SourceRoot, file: string, dirs: string[], depth: number, seen: Set<string>): void {
  if (depth > MAX_DEPTH || seen.has(file) || seen.size >= MAX_FILES) return;
  seen.add(file);
  const text = root.readText(file);
  if (text === null) return;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*/, '').trim();
    if (line === '') continue;
    const inc = /^include\s+(.+)$/.exec(line);
    if (inc) {
      for (const pat of (inc[1] as string).trim().split(/\s+/)) {
        const abs = pat.startsWith('/') ? pat : path.posix.join(path.posix.dirname(file), pat);
        for (const f of globRoot(root, abs)) parseConf(root, f, dirs, depth + 1, seen);
      }
      continue;
    }
    if (/^hwcap\s/.test(line)) continue;
    // Old ldconfig allowed "dir=TYPE"; the type is ignored today. Entries may be separated by
    // spaces, tabs, commas or colons.
    for (const d of line.split(/[\s,:]+/)) {
      const dir = d.replace(/=.*$/, '').replace(/\/+$/, '') || '/';
      if (dir.startsWith('/') && !dirs.includes(dir)) dirs.push(dir);
    }
  }
}
