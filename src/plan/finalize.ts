import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { JailError } from '../errors.js';
import { type PlanContext, Rank } from './context.js';
import type { FileEntry, PlanEntry } from './types.js';

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** Every ancestor gets a directory entry (0755 root); none may be a planned symlink or file. */
export function addParents(ctx: PlanContext): void {
  for (const e of ctx.entries()) {
    for (let p = parentOf(e.path); ; p = parentOf(p)) {
      const have = ctx.get(p);
      if (!have)
        ctx.add({ type: 'dir', path: p, mode: 0o755, uid: 0, gid: 0 }, Rank.parent, `parent of ${e.path}`);
      else if (have.type !== 'dir') {
        throw new JailError(
          'PLAN_CONFLICT',
          `${e.path} lies under ${p}, which the jail holds as a ${have.type}${have.type === 'symlink' ? ` to ${have.target}` : ''}`,
          { path: e.path, hint: 'name the path the link points to instead' },
        );
      }
      if (p === '/') break;
    }
  }
}

/** Files that share an inode in the source become hard links to the first of them (bytewise). */
export function linkHardlinks(ctx: PlanContext, entries: PlanEntry[]): PlanEntry[] {
  const first = new Map<string, string>();
  return entries.map((e) => {
    const src = e.type === 'file' ? ctx.sources.get(e.path) : undefined;
    if (!src || src.nlink < 2 || e.type !== 'file') return e;
    const key = `${src.dev}:${src.ino}`;
    const target = first.get(key);
    if (target === undefined) {
      first.set(key, e.path);
      return e;
    }
    return { type: 'hardlink', path: e.path, target, mode: e.mode, uid: e.uid, gid: e.gid };
  });
}

const SMALL = 8 << 20;

async function sha256(file: string, size: number): Promise<string> {
  if (size <= SMALL)
    return createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Hashes every copied file's source (a few at a time), filling sha256 and the size read. */
export async function hashFiles(entries: PlanEntry[]): Promise<void> {
  const files = entries.filter((e): e is FileEntry => e.type === 'file');
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const f = files[next++] as FileEntry;
      f.sha256 = await sha256(f.source, f.size);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Bytewise order of the UTF-8 paths: every parent precedes its children. */
export function sortEntries(entries: PlanEntry[]): PlanEntry[] {
  return entries
    .map((e) => ({ e, k: Buffer.from(e.path) }))
    .sort((a, b) => Buffer.compare(a.k, b.k))
    .map((x) => x.e);
}
