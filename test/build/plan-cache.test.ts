import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { buildJail } from '../../src/build/build-jail.js';
import { Use, withInputLog } from '../../src/build/input-log.js';
import { cachedPlan, inputsOf, nowNs, type PlanRequest, savePlan } from '../../src/build/plan-cache.js';
import { planSpec } from '../../src/build/plan-spec.js';
import { createPlan, loadPlanOrSpec } from '../../src/plan/index.js';
import { jailPaths } from '../../src/root/staging.js';
import { PACKAGE_ROOT } from '../../src/version.js';
import { makeMiniJail } from '../helpers/mini-jail.js';
import { describeAsRoot } from '../helpers/root.js';
import { targets } from '../root/targets.js';

/** Files made by the test are seconds old at most: plans "begin" this much later to be kept. */
const LATER = 10_000_000_000n;

/** A source root with sh, its libraries, the host's ld.so.cache and a small data tree. */
async function sourceRoot(src: string): Promise<void> {
  await makeMiniJail(src, ['/bin/sh']);
  copyFileSync('/etc/ld.so.cache', path.join(src, 'etc/ld.so.cache'));
  // What the nss-files profile brings (the host's, wherever its multiarch directory is).
  const nss = hostNssFiles();
  mkdirSync(path.join(src, path.dirname(nss)), { recursive: true });
  copyFileSync(nss, path.join(src, nss));
  mkdirSync(path.join(src, 'data/sub'), { recursive: true });
  writeFileSync(path.join(src, 'data/a.txt'), 'aaaa');
  writeFileSync(path.join(src, 'data/sub/b.txt'), 'bbbb');
}

function hostNssFiles(): string {
  for (const dir of readdirSync('/usr/lib')) {
    const f = `/usr/lib/${dir}/libnss_files.so.2`;
    if (dir.endsWith('-linux-gnu') && existsSync(f)) return f;
  }
  throw new Error('libnss_files.so.2 not found on this host');
}

async function planOf(req: PlanRequest, late = true) {
  const started = nowNs();
  const { value: plan, log } = await withInputLog(async () => {
    const src = await loadPlanOrSpec(req.spec, { ...(req.root ? { root: req.root } : {}) });
    if (src.kind !== 'spec') throw new Error('not a spec');
    return createPlan(src.spec);
  });
  const sources = plan.entries.flatMap((e) => (e.type === 'file' ? [e.source] : []));
  return { plan, log, inputs: inputsOf(log, sources, late ? started + LATER : started) };
}

describeAsRoot('the plan cache', () => {
  const dirs = targets('jailsmith-plan-cache-');

  it('records the spec, its profiles, ld.so.cache and the source lookups; any change among them is a miss', async () => {
    const { t, jail, src } = dirs.next();
    await sourceRoot(src);
    const spec = path.join(t, 'sh.yaml');
    writeFileSync(spec, 'name: sh\nbinaries: [/bin/sh]\nprofiles: [nss-files]\ntrees: [/data]\n');
    const req: PlanRequest = { spec, root: src, qemuStatic: false };

    // Everything here was written just now: nothing is remembered (git's racy-clean rule).
    expect((await planOf(req, false)).inputs).toBeNull();

    const remember = async () => {
      const p = await planOf(req);
      expect(savePlan(jail, req, p.plan, p.inputs, null)).toBe(true);
      expect(cachedPlan(jail, req, null)).toEqual(JSON.parse(JSON.stringify(p.plan)));
      return p;
    };
    const { log, inputs } = await remember();
    const recorded = new Set([...log.paths.keys(), ...(inputs ?? []).map((i) => i[0])]);
    for (const f of [
      spec,
      path.join(PACKAGE_ROOT, 'templates/profiles/nss-files.yaml'),
      path.join(src, 'etc/ld.so.cache'),
      path.join(src, 'data'),
      path.join(src, 'data/sub/b.txt'),
    ])
      expect(recorded.has(f), f).toBe(true);

    // Another request (options, root) has a plan of its own.
    expect(cachedPlan(jail, { ...req, qemuStatic: true }, null)).toBeNull();
    expect(cachedPlan(jail, { ...req, root: t }, null)).toBeNull();

    // ld.so.cache rewritten with the same bytes: a new ctime.
    const ldCache = path.join(src, 'etc/ld.so.cache');
    writeFileSync(ldCache, readFileSync(ldCache));
    expect(cachedPlan(jail, req, null)).toBeNull();
    await remember();

    // The same size and the mtime put back (touch -d): caught through the ctime.
    const b = path.join(src, 'data/sub/b.txt');
    const st = lstatSync(b);
    writeFileSync(b, 'BBBB');
    utimesSync(b, st.atime, st.mtime);
    expect(cachedPlan(jail, req, null)).toBeNull();
    await remember();

    // Replaced by another file with the same size and times: another inode.
    const twin = path.join(src, 'data/sub/twin');
    writeFileSync(twin, 'cccc');
    const now = lstatSync(b);
    utimesSync(twin, now.atime, now.mtime);
    renameSync(twin, b);
    expect(cachedPlan(jail, req, null)).toBeNull();
    await remember();

    // A new name in a tree the plan walked (its directory's times move).
    writeFileSync(path.join(src, 'data/new.txt'), 'new');
    expect(cachedPlan(jail, req, null)).toBeNull();
    await remember();

    // A directory only looked through: a new name in it is no change (busy /var/lib, /tmp)...
    const through = path.join(src, path.dirname(hostNssFiles())); // usr/lib/<multiarch>
    expect(log.paths.get(through)).toBe(Use.lstat);
    writeFileSync(path.join(through, 'unrelated'), 'x');
    expect(cachedPlan(jail, req, null)).not.toBeNull();
    // ...its mode or owner is.
    chmodSync(through, 0o750);
    expect(cachedPlan(jail, req, null)).toBeNull();
    chmodSync(through, 0o755);
    await remember();

    // A path the resolver looked for in vain now exists.
    const absent = [...log.paths.keys()].find(
      (p) => p.startsWith(src) && !existsSync(p) && !p.includes('\0'),
    );
    expect(absent).toBeDefined();
    mkdirSync(path.dirname(absent as string), { recursive: true });
    writeFileSync(absent as string, '');
    expect(cachedPlan(jail, req, null)).toBeNull();
    await remember();

    // The spec itself.
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}# edited\n`);
    expect(cachedPlan(jail, req, null)).toBeNull();
  });

  it('serves a rebuild from the remembered plan; --force plans again and drops it', async () => {
    const { t, jail, src } = dirs.next();
    await sourceRoot(src);
    const spec = path.join(t, 'sh.yaml');
    writeFileSync(spec, 'name: sh\nbinaries: [/bin/sh]\n');
    const req: PlanRequest = { spec, root: src, qemuStatic: false };
    const first = await buildJail(spec, jail, { root: src });
    expect(first.written).toBe(true);
    // The build itself remembered nothing (its inputs are seconds old); plant a plan with a marker.
    expect(existsSync(jailPaths(jail).plan)).toBe(false);
    const { plan, inputs } = await planOf(req);
    plan.notes.push('marker: from the remembered plan');
    savePlan(jail, req, plan, inputs, null);

    const cached = await buildJail(spec, jail, { root: src });
    expect(cached.notes).toContain('marker: from the remembered plan');
    expect(cached.written).toBe(false);

    const forced = await buildJail(spec, jail, { root: src, force: true });
    expect(forced.written).toBe(true);
    expect(forced.notes).not.toContain('marker: from the remembered plan');
    expect(existsSync(jailPaths(jail).plan)).toBe(false);
    const again = await buildJail(spec, jail, { root: src });
    expect(again.notes).not.toContain('marker: from the remembered plan');
    expect(again.added.length + again.changed.length + again.removed.length).toBe(0);
  });

  it('serves `plan` from the shared directory, and a changed spec plans again', async () => {
    const { t, src } = dirs.next();
    await sourceRoot(src);
    const spec = path.join(t, 'sh.yaml');
    writeFileSync(spec, 'name: sh\nbinaries: [/bin/sh]\n');
    const shared = path.join(t, 'cache');
    const req: PlanRequest = { spec, root: src, qemuStatic: false };
    const { plan, inputs } = await planOf(req);
    plan.notes.push('marker: from the shared plan');
    expect(savePlan(null, req, plan, inputs, shared)).toBe(true);
    const before = process.env.JAILSMITH_CACHE;
    process.env.JAILSMITH_CACHE = shared;
    try {
      expect((await planSpec(spec, { root: src })).notes).toContain('marker: from the shared plan');
      writeFileSync(spec, 'name: sh\nbinaries: [/bin/sh]\n# edited\n');
      expect((await planSpec(spec, { root: src })).notes).not.toContain('marker: from the shared plan');
    } finally {
      process.env.JAILSMITH_CACHE = before;
    }
  });

  it('refuses a plan file that is not ours alone', async () => {
    const { t, jail, src } = dirs.next();
    await sourceRoot(src);
    const spec = path.join(t, 'sh.yaml');
    writeFileSync(spec, 'name: sh\nbinaries: [/bin/sh]\n');
    const req: PlanRequest = { spec, root: src, qemuStatic: false };
    mkdirSync(jail);
    const { plan, inputs } = await planOf(req);
    savePlan(jail, req, plan, inputs, null);
    expect(cachedPlan(jail, req, null)).not.toBeNull();
    chmodSync(jailPaths(jail).plan, 0o666);
    expect(cachedPlan(jail, req, null)).toBeNull();
  });
});
