import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeEach, expect, it } from 'vitest';
import { applyPlan } from '../../src/build/apply.js';
import { manifestOf } from '../../src/manifest/manifest.js';
import { describeAsRoot } from '../helpers/root.js';
import { basicPlan, dir, gen } from './plans.js';
import { targets } from './targets.js';

describeAsRoot('interrupted builds leave the old jail or the new one, never half', () => {
  const dirs = targets();
  let t: string;
  let jail: string;
  let src: string;
  let leftovers: () => string[];
  beforeEach(() => {
    ({ t, jail, src, leftovers } = dirs.next());
  });

  it('an injected failure mid-build leaves the old jail intact and no staging behind', async () => {
    await applyPlan(basicPlan(src), jail);
    const before = manifestOf(jail);
    const bad = basicPlan(src, 'v2');
    bad.entries.push({
      type: 'file',
      path: '/usr/lib/gone.so',
      source: path.join(src, 'missing'),
      sha256: 'x',
      size: 1,
      mode: 0o644,
      uid: 0,
      gid: 0,
    });
    await expect(applyPlan(bad, jail)).rejects.toMatchObject({
      code: 'ROOT_WRITE_FAILED',
      path: '/usr/lib/gone.so',
    });
    expect(manifestOf(jail)).toEqual(before);
    expect(leftovers()).toEqual([]);
  });

  it('a build killed mid-way leaves the old jail; the next build cleans up', async () => {
    await applyPlan(basicPlan(src), jail);
    const before = manifestOf(jail);
    // A plan big enough that the child is still writing its staging tree when killed.
    const big = basicPlan(src, 'big');
    big.entries.push(dir('/many'));
    for (let i = 0; i < 4000; i++) big.entries.push(gen(`/many/f${i}`, `${i}\n`.repeat(200)));
    const planFile = path.join(t, 'big.json');
    writeFileSync(planFile, JSON.stringify(big));
    const dist = path.resolve(import.meta.dirname, '../../dist/build/apply.js');
    // The compiled library (npx tsc -p . first), in a child we can kill.
    const runner = execa(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { applyPlan } = await import(${JSON.stringify(dist)});
         const { readFileSync } = await import('node:fs');
         await applyPlan(JSON.parse(readFileSync(${JSON.stringify(planFile)}, 'utf8')), ${JSON.stringify(jail)});`,
      ],
      { reject: false },
    );
    for (let i = 0; i < 400 && leftovers().filter((x) => !x.endsWith('-lock')).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const atKill = leftovers();
    runner.kill('SIGKILL');
    await runner;
    expect(atKill.some((x) => /\.jail\.jailsmith-[A-Za-z0-9]{6}$/.test(x))).toBe(true);
    expect(existsSync(jail)).toBe(true);
    const after = manifestOf(jail);
    // Killed before the swap: the old jail, untouched. (Killed after it: the new one, whole.)
    if (readFileSync(path.join(jail, 'etc/version'), 'utf8') === 'v1\n') expect(after).toEqual(before);
    else expect(after.entries.filter((e) => e.path.startsWith('/many/'))).toHaveLength(4000);
    const r = await applyPlan(basicPlan(src, 'v3'), jail);
    expect(r.written).toBe(true);
    expect(leftovers()).toEqual([]);
    expect(readFileSync(path.join(jail, 'etc/version'), 'utf8')).toBe('v3\n');
  });

  it('recovers from a crash inside the swap window, keeping user data', async () => {
    await applyPlan(basicPlan(src), jail);
    writeFileSync(path.join(jail, 'home/jail/mine'), 'keep\n');
    // As if killed right after DIR was set aside: DIR absent, the old jail beside it.
    renameSync(jail, path.join(t, '.jail.jailsmith-old-abc123'));
    const r = await applyPlan(basicPlan(src), jail);
    expect(r.notes.join('\n')).toMatch(/restored/);
    expect(readFileSync(path.join(jail, 'home/jail/mine'), 'utf8')).toBe('keep\n');
    expect(leftovers()).toEqual([]);
  });

  it('recovers a complete new tree whose user data was still in the old one', async () => {
    await applyPlan(basicPlan(src), jail);
    writeFileSync(path.join(jail, 'home/jail/mine'), 'keep\n');
    // As if killed after DIR went aside, before the preserved home moved: build the new tree
    // elsewhere, then arrange the leftovers by hand.
    const other = path.join(t, 'other');
    await applyPlan(basicPlan(src, 'v2'), other);
    renameSync(jail, path.join(t, '.jail.jailsmith-old-abc123'));
    renameSync(other, path.join(t, '.jail.jailsmith-ready-def456'));
    await applyPlan(basicPlan(src, 'v2'), jail);
    expect(readFileSync(path.join(jail, 'etc/version'), 'utf8')).toBe('v2\n');
    expect(readFileSync(path.join(jail, 'home/jail/mine'), 'utf8')).toBe('keep\n');
    expect(leftovers()).toEqual([]);
  });

  it('never deletes a leftover old jail holding user data it cannot place', async () => {
    await applyPlan(basicPlan(src), jail);
    writeFileSync(path.join(jail, 'home/jail/new'), 'new\n');
    const other = path.join(t, 'other');
    await applyPlan(basicPlan(src), other);
    writeFileSync(path.join(other, 'home/jail/old'), 'old\n');
    const aside = path.join(t, '.jail.jailsmith-old-abc123');
    renameSync(other, aside);
    const r = await applyPlan(basicPlan(src), jail);
    expect(r.notes.join('\n')).toMatch(/kept .*jailsmith-old-abc123/);
    expect(readFileSync(path.join(aside, 'home/jail/old'), 'utf8')).toBe('old\n');
    expect(readFileSync(path.join(jail, 'home/jail/new'), 'utf8')).toBe('new\n');
  });
});
