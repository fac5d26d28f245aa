import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freshDirs, median, run } from './lib/timed.mjs';

const repo = path.resolve(import.meta.dirname, '..');
const bin = path.join(repo, 'bin/jailsmith');
const spec = process.env.BENCH_SPEC ?? path.join(repo, 'jails/python.yaml');
const work = '/var/lib/jailsmith-bench';
const jk = path.join(work, 'jk');

mkdirSync(work, { recursive: true, mode: 0o755 });

// The plan: the file list cp -a gets, and the count shown.
const planText = spec.endsWith('.json')
  ? readFileSync(spec, 'utf8')
  : run(process.execPath, [bin, 'plan', spec, '--json']).stdout;
const plan = JSON.parse(planText);
const copied = plan.entries.filter((e) => e.type === 'file' || e.type === 'symlink').map((e) => e.path);

// jailsmith, cold (nothing there) then no-op (nothing changed); the CLI end to end. Cold runs and
// cp -a write into directories of their own (freshDirs says why).
const dirs = freshDirs(work, 'build');
const cold = [];
let peakRssMB = 0;
let jail = '';
for (let i = 0; i < 3; i++) {
  jail = dirs.next();
  const r = run(process.execPath, [bin, 'build', spec, jail, '--json']);
  cold.push(r);
  peakRssMB = Math.max(peakRssMB, r.rssMB);
}
const noop = [];
for (let i = 0; i < 5; i++) {
  const r = run(process.execPath, [bin, 'build', spec, jail, '--json']);
  const j = JSON.parse(r.stdout);
  if (j.added.length + j.changed.length + j.removed.length !== 0)
    throw new Error('no-op rebuild changed things');
  noop.push(r);
}

// The writer alone (applyPlan on a ready plan, in this process): what src/root and src/build cost
// apart from Node's start-up, the spec and the plan.
const { applyPlan } = await import(path.join(repo, 'dist/index.js'));
const applyCold = [];
const applyNoop = [];
for (let i = 0; i < 3; i++) {
  const fresh = dirs.next();
  applyCold.push(await timed(() => applyPlan(plan, fresh)));
  applyNoop.push(await timed(() => applyPlan(plan, fresh)));
}
async function timed(f) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const c = process.cpuUsage(c0);
  return { seconds: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

// cp -a of the same files (with their parent directories).
const cps = [];
for (let i = 0; i < 3; i++) {
  const copy = dirs.next();
  mkdirSync(copy);
  const host = plan.source === '/' ? '' : plan.source;
  cps.push(run('cp', ['-a', '--parents', '-t', copy, ...copied.map((p) => host + p)], { cwd: '/' }));
}

// jailkit: one cold run (it takes about a minute here), then a rerun over the existing jail.
let jkCold = null;
let jkAgain = null;
if (process.env.BENCH_SKIP_JAILKIT !== '1') {
  rmSync(jk, { recursive: true, force: true });
  const ini = path.join(import.meta.dirname, 'jk_init-python.ini');
  jkCold = run('jk_init', ['-c', ini, '-j', jk, 'python3'], { cwd: work });
  jkAgain = run('jk_init', ['-c', ini, '-j', jk, 'python3'], { cwd: work });
  rmSync(jk, { recursive: true, force: true });
}
dirs.done();

const med = (xs) => ({ seconds: median(xs.map((x) => x.seconds)), cpu: median(xs.map((x) => x.cpu)) });
const c = med(cold);
const n = med(noop);
const row = (tool, m, base) => ({
  tool,
  seconds: m.seconds,
  ratio: m.seconds / base.seconds,
  cpuSeconds: m.cpu,
});
const rows = [
  row('jailsmith build (cold)', c, c),
  row('jailsmith build (no-op)', n, n),
  row('applyPlan only (cold)', med(applyCold), c),
  row('applyPlan only (no-op)', med(applyNoop), n),
  row('cp -a same files', med(cps), c),
];
if (jkCold !== null) {
  rows.push(row('jk_init (cold)', jkCold, c));
  rows.push(row('jk_init (rerun)', jkAgain, n));
}
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(
  `python jail: ${plan.entries.length} entries, ${copied.length} files and links copied; load ${load}`,
);
console.log('tool                         wall s    cpu s   ratio (peer wall / jailsmith wall)');
for (const r of rows) {
  console.log(
    `${r.tool.padEnd(28)} ${r.seconds.toFixed(3).padStart(7)}  ${r.cpuSeconds.toFixed(3).padStart(7)}   ${r.ratio.toFixed(2)}`,
  );
}
console.log(
  `goals: cold <= 1.5 s (${c.seconds <= 1.5 ? 'met' : 'missed'}), no-op <= 0.5 s (${n.seconds <= 0.5 ? 'met' : 'missed'})`,
);
console.log(`BENCH ${JSON.stringify({ name: 'build', rows, peakRssMB: Math.round(peakRssMB) })}`);
