import {
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/build/apply.js';
import { manifestOf } from '../../src/manifest/manifest.js';
import type { PlanEntry } from '../../src/plan/types.js';
import type { CopyBatch } from '../../src/root/copy-jobs.js';
import { CopyPool, copyHelpers, POOL_MIN_FILES } from '../../src/root/copy-pool.js';
import { describeAsRoot } from '../helpers/root.js';
import { basicPlan, dir, file, plan } from './plans.js';
import { targets } from './targets.js';

/**
 * `n` source files of different sizes under `src`, planned under /many/d0../many/d7: enough for
 * the helpers, in directories enough for them to take groups of their own (copy-jobs.ts).
 */
function manyFiles(src: string, n: number): PlanEntry[] {
  const out: PlanEntry[] = [dir('/many')];
  for (let d = 0; d < 8; d++) {
    mkdirSync(path.join(src, 'many', `d${d}`), { recursive: true });
    out.push(dir(`/many/d${d}`));
  }
  for (let i = 0; i < n; i++) {
    const name = `many/d${i % 8}/f${String(i).padStart(4, '0')}`;
    const p = path.join(src, name);
    writeFileSync(p, `${i}\n`.repeat(1 + ((i * 37) % 400)));
    // Some owned by a user, some setuid: the settle step (chown, then chmod) runs in the helpers too.
    out.push(file(`/${name}`, p, i % 5 === 0 ? 0o4755 : 0o644, i % 3 ? 0 : 1000));
  }
  return out;
}

describe('JAILSMITH_COPY_THREADS', () => {
  it('is off unless set to a whole number, and capped by the cores and three', () => {
    const most = Math.min(3, availableParallelism() - 1);
    expect(copyHelpers({})).toBe(0);
    expect(copyHelpers({ JAILSMITH_COPY_THREADS: '' })).toBe(0);
    expect(copyHelpers({ JAILSMITH_COPY_THREADS: 'two' })).toBe(0);
    expect(copyHelpers({ JAILSMITH_COPY_THREADS: '-1' })).toBe(0);
    expect(copyHelpers({ JAILSMITH_COPY_THREADS: '1.5' })).toBe(0);
    expect(copyHelpers({ JAILSMITH_COPY_THREADS: '1' })).toBe(Math.min(1, most));
    expect(copyHelpers({ JAILSMITH_COPY_THREADS: '99' })).toBe(most);
  });
});

describeAsRoot('copies shared with helper threads (JAILSMITH_COPY_THREADS=1)', () => {
  const dirs = targets('jailsmith-copy-pool-');
  const before = process.env.JAILSMITH_COPY_THREADS;
  beforeAll(() => {
    process.env.JAILSMITH_COPY_THREADS = '1';
  });
  afterAll(() => {
    if (before === undefined) delete process.env.JAILSMITH_COPY_THREADS;
    else process.env.JAILSMITH_COPY_THREADS = before;
  });

  it('a helper thread runs the copy jobs from its own source text and settles each file', async () => {
    const { t } = dirs.next();
    const from = path.join(t, 'from');
    const to = path.join(t, 'to');
    mkdirSync(from);
    mkdirSync(to, { mode: 0o700 });
    const n = 100;
    for (let i = 0; i < n; i++) writeFileSync(path.join(from, `f${i}`), 'x'.repeat(i));
    const b: CopyBatch = {
      src: Array.from({ length: n }, (_, i) => path.join(from, `f${i}`)),
      dst: Array.from({ length: n }, (_, i) => path.join(to, `f${i}`)),
      attrs: Float64Array.from(
        Array.from({ length: n }, (_, i) => [i % 2 ? 1000 : 0, 0, i % 2 ? 0o4711 : 0o640, i]).flat(),
      ),
      // Ten groups of ten (the writer makes one group per directory).
      groups: Int32Array.from({ length: 11 }, (_, g) => 10 * g),
      flags: constants.COPYFILE_EXCL,
      control: new Int32Array(new SharedArrayBuffer(12)),
      bytes: new BigInt64Array(new SharedArrayBuffer(8)),
      stats: new Float64Array(new SharedArrayBuffer(n * 32)),
    };
    const pool = new CopyPool(1);
    expect(pool.size).toBe(1);
    pool.start(b);
    // Let the helper take every job before this thread joins in: each file below is its work.
    for (let i = 0; i < 500 && Atomics.load(b.control, 1) < n; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(Atomics.load(b.control, 1)).toBe(n);
    expect(await pool.join(b)).toBeNull();
    pool.close();
    expect(Number(b.bytes[0])).toBe((n * (n - 1)) / 2);
    for (let i = 0; i < n; i++) {
      const st = lstatSync(path.join(to, `f${i}`));
      expect(st.size).toBe(i);
      expect(st.mode & 0o7777).toBe(i % 2 ? 0o4711 : 0o640);
      expect(st.uid).toBe(i % 2 ? 1000 : 0);
      expect([b.stats[4 * i], b.stats[4 * i + 1], b.stats[4 * i + 2]]).toEqual([st.dev, st.ino, st.ctimeMs]);
    }
  });

  it('a jail of many files comes out the same as file by file, and its records make the rebuild a no-op', async () => {
    const { jail, src, leftovers } = dirs.next();
    // The suite's setting reaches the writer's choice (one helper on any machine with 2 cores).
    expect(copyHelpers()).toBe(Math.min(1, availableParallelism() - 1));
    const p = basicPlan(src);
    p.entries.push(...manyFiles(src, 3 * POOL_MIN_FILES));
    await applyPlan(p, jail);
    for (const e of p.entries) {
      if (e.type !== 'file') continue;
      const st = lstatSync(path.join(jail, e.path));
      expect([st.mode & 0o7777, st.uid, st.gid, st.nlink], e.path).toEqual([e.mode, e.uid, e.gid, 1]);
      expect(readFileSync(path.join(jail, e.path)).equals(readFileSync(e.source)), e.path).toBe(true);
    }
    const again = await applyPlan(p, jail);
    expect(again.written).toBe(false);
    expect(again.changed).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('progress counts each entry once, in order, and every byte copied', async () => {
    const { jail, src } = dirs.next();
    const p = basicPlan(src);
    p.entries.push(...manyFiles(src, 2 * POOL_MIN_FILES));
    const seen: { entries: number; bytes: number }[] = [];
    await applyPlan(p, jail, { onProgress: (x) => seen.push({ entries: x.entries, bytes: x.bytes }) });
    expect(seen.map((x) => x.entries)).toEqual(p.entries.map((_, i) => i + 1));
    expect(seen.every((x, i) => i === 0 || x.bytes >= (seen[i - 1] as { bytes: number }).bytes)).toBe(true);
    const total = p.entries.reduce(
      (s, e) => s + (e.type === 'file' || e.type === 'generated' ? e.size : 0),
      0,
    );
    expect(seen.at(-1)?.bytes).toBe(total);
  });

  it('a source that changed after planning fails the build, names it, and nothing is left writing', async () => {
    const { jail, src, leftovers } = dirs.next();
    await applyPlan(basicPlan(src), jail);
    const before = manifestOf(jail);
    const p = basicPlan(src, 'v2');
    const many = manyFiles(src, 4 * POOL_MIN_FILES);
    p.entries.push(...many);
    // Late in the list: a helper or this thread may meet it; either way it is the one named.
    const victim = many.at(-7) as PlanEntry & { source: string };
    writeFileSync(victim.source, 'grown since planning\n'.repeat(50));
    await expect(applyPlan(p, jail)).rejects.toMatchObject({
      code: 'ROOT_SOURCE_CHANGED',
      path: victim.path,
    });
    expect(manifestOf(jail)).toEqual(before);
    expect(leftovers()).toEqual([]);
    // Still nothing a moment later: no helper was copying into a tree that is gone.
    await new Promise((r) => setTimeout(r, 100));
    expect(leftovers()).toEqual([]);
  });

  it('a source that vanished fails the build as a write failure naming its path', async () => {
    const { jail, src, leftovers } = dirs.next();
    const p = plan([dir('/'), ...manyFiles(src, 2 * POOL_MIN_FILES)]);
    const victim = p.entries[POOL_MIN_FILES] as PlanEntry & { source: string };
    unlinkSync(victim.source);
    await expect(applyPlan(p, jail)).rejects.toMatchObject({ code: 'ROOT_WRITE_FAILED', path: victim.path });
    expect(existsSync(jail)).toBe(false);
    expect(leftovers()).toEqual([]);
  });
});
