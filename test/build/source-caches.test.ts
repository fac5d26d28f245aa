import {
  lstatSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildJail } from '../../src/build/build-jail.js';
import {
  loadPlanCaches,
  planCacheFile,
  savePlanCaches,
  sourceCaches,
} from '../../src/build/source-caches.js';
import { compareBytes } from '../../src/manifest/manifest.js';
import { factKey } from '../../src/resolve/file-facts.js';
import { jailPaths } from '../../src/root/staging.js';
import { describeAsRoot } from '../helpers/root.js';
import { targets } from '../root/targets.js';

describeAsRoot('build keeps file facts beside the jail', () => {
  const dirs = targets('jailsmith-facts-build-');

  it('records what each source is, serves a no-op from it, and --force reads everything again', async () => {
    const { t, jail } = dirs.next();
    const spec = path.join(t, 'env.yaml');
    writeFileSync(spec, 'name: env\nbinaries: [/usr/bin/env]\n');
    const first = await buildJail(spec, jail);
    expect(first.written).toBe(true);
    const stateFile = jailPaths(jail).state;
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    const env = factKey(lstatSync(realpathSync('/usr/bin/env'), { bigint: true }));
    expect(state.facts[env].kind).toBe('elf');

    // Planted under env's own key: a later build believes it (env "is" a script needing a
    // missing interpreter), which shows the facts are what the rebuild used...
    state.facts[env] = { kind: 'script', line: '/remembered/interpreter' };
    writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
    const cached = await buildJail(spec, jail);
    expect(cached.notes.join('\n')).toContain('/remembered/interpreter');
    // ...and --force does not: it reads every source again and records what it found.
    const forced = await buildJail(spec, jail, { force: true });
    expect(forced.written).toBe(true);
    expect(forced.notes.join('\n')).not.toContain('/remembered/interpreter');
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).facts[env].kind).toBe('elf');
    const noop = await buildJail(spec, jail);
    expect(noop.added.length + noop.changed.length + noop.removed.length).toBe(0);
    expect(noop.written).toBe(false);
  });
});

describeAsRoot('build remembers symlink targets by inode', () => {
  const dirs = targets('jailsmith-link-state-');

  it('skips the readlink of a recorded link, and catches a link replaced by another', async () => {
    const { t, jail } = dirs.next();
    const spec = path.join(t, 'links.yaml');
    writeFileSync(spec, 'name: links\nsymlinks:\n  - {path: /bin/tool, target: /bin/real}\n');
    await buildJail(spec, jail);
    const state = JSON.parse(readFileSync(jailPaths(jail).state, 'utf8'));
    expect(state.files['/bin/tool'][1]).toBe('link:/bin/real');
    expect((await buildJail(spec, jail)).written).toBe(false);
    // Same name, same length of target: a new inode all the same, so the record no longer applies.
    const link = path.join(jail, 'bin/tool');
    unlinkSync(link);
    symlinkSync('/bin/fake', link);
    const again = await buildJail(spec, jail);
    expect(again.changed).toEqual(['/bin/tool']);
    expect(readlinkSync(link)).toBe('/bin/real');
  });
});

describeAsRoot('the shared source cache', () => {
  const dirs = targets('jailsmith-shared-cache-');

  it('lets a first build into a new DIR use what earlier runs read, and takes only first-hand facts', async () => {
    const { t, jail } = dirs.next();
    const cache = path.join(t, 'cache');
    const file = path.join(cache, 'source-facts.json');
    expect(planCacheFile({ JAILSMITH_CACHE: cache })).toBe(file);
    expect(planCacheFile({ JAILSMITH_CACHE: 'off' })).toBeNull();
    const spec = path.join(t, 'env.yaml');
    writeFileSync(spec, 'name: env\nbinaries: [/usr/bin/env]\n');
    const env = factKey(lstatSync(realpathSync('/usr/bin/env'), { bigint: true }));

    // A plan reads env and stores what it learnt in the shared file.
    const first = loadPlanCaches(file);
    const { createPlan } = await import('../../src/plan/create-plan.js');
    const { loadSpec } = await import('../../src/spec/load.js');
    await createPlan(await loadSpec(spec), first);
    savePlanCaches(first, file);
    const shared = JSON.parse(readFileSync(file, 'utf8'));
    expect(shared.facts[env].kind).toBe('elf');
    expect(typeof shared.sources[env]).toBe('string');

    // A new DIR has no state of its own: the shared facts answer (made-up one planted to see it).
    shared.facts[env] = { kind: 'script', line: '/shared/interpreter' };
    writeFileSync(file, JSON.stringify(shared), { mode: 0o600 });
    const caches = sourceCaches(jail, false, file);
    const plan = await createPlan(await loadSpec(spec), caches);
    expect(plan.notes.join('\n')).toContain('/shared/interpreter');
    // Taken from the cache, not read: nothing learnt, so nothing to pass on.
    expect(caches.fileFacts.learnt.has(env)).toBe(false);
    // --force ignores both.
    const forced = sourceCaches(jail, true, file);
    await createPlan(await loadSpec(spec), forced);
    expect(forced.fileFacts.learnt.get(env)?.kind).toBe('elf');
  });
});

describe('compareBytes', () => {
  it('orders strings as their UTF-8 bytes, surrogate pairs after U+E000..U+FFFF', () => {
    const words = [
      'a',
      'b',
      'ab',
      '',
      '/',
      'é',
      '\u07ff',
      '\u0800',
      '\ud7ff',
      '\ue000',
      '\uffff',
      '😀',
      '\u{10000}',
    ];
    for (const a of words)
      for (const b of words)
        expect(Math.sign(compareBytes(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
  });
});
