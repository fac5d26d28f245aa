import { readdirSync } from 'node:fs';
import path from 'node:path';
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
        for (const f of globInRoot(root, abs)) parseConf(root, f, dirs, depth + 1, seen);
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

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Expands a glob of absolute in-root paths inside the root, sorted as glob(3) does. */
export function globInRoot(root: SourceRoot, pattern: string): string[] {
  let found = ['/'];
  for (const comp of pattern.split('/').filter((c) => c !== '')) {
    const next: string[] = [];
    for (const base of found) {
      const join = (n: string): string => (base === '/' ? `/${n}` : `${base}/${n}`);
      if (!/[*?[]/.test(comp)) {
        if (root.realpath(join(comp))) next.push(join(comp));
        continue;
      }
      const rp = root.realpath(base);
      if (!rp) continue;
      let names: string[];
      try {
        names = readdirSync(root.host(rp.path));
      } catch {
        continue;
      }
      const re = globToRegExp(comp);
      for (const n of names.sort())
        if (re.test(n) && (comp.startsWith('.') || !n.startsWith('.'))) next.push(join(n));
    }
    found = next;
  }
  return found;
}
