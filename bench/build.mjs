// The python jail: jailsmith build (cold and no-op) against `cp -a` of the same file list and
// jailkit's jk_init with an equivalent section (bench/jk_init-python.ini), in one run.
// Needs root. Works under /var/lib/jailsmith-bench: jailkit refuses any jail below a
// group/other-writable directory, /tmp and /var/tmp included.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..');
const bin = path.join(repo, 'bin/jailsmith');
const spec = process.env.BENCH_SPEC ?? path.join(repo, 'jails/python.yaml');
const work = '/var/lib/jailsmith-bench';
const jail = path.join(work, 'python');
const copy = path.join(work, 'cp-a');
const jk = path.join(work, 'jk');

mkdirSync(work, { recursive: true, mode: 0o755 });

function run(cmd, args, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 512 * 2 ** 20, ...opts });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.slice(0, 3).join(' ')} failed (${r.status}): ${(r.stderr ?? '').slice(0, 400)}`,
    );
  }
  return { seconds, stdout: r.stdout, stderr: r.stderr };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const clean = (p) => {
  rmSync(p, { recursive: true, force: true });
  rmSync(path.join(path.dirname(p), `.${path.basename(p)}.jailsmith-state.json`), { force: true });
};

// The plan: the file list cp -a gets, and the count shown.
const planText = spec.endsWith('.json')
  ? readFileSync(spec, 'utf8')
  : run(process.execPath, [bin, 'plan', spec, '--json']).stdout;
const plan = JSON.parse(planText);
const copied = plan.entries.filter((e) => e.type === 'file' || e.type === 'symlink').map((e) => e.path);

// jailsmith, cold (nothing there) then no-op (nothing changed); the CLI end to end.
const cold = [];
let peakRssMB = 0;
for (let i = 0; i < 3; i++) {
  clean(jail);
  const r = run('/usr/bin/time', ['-f', 'RSS %M', process.execPath, bin, 'build', spec, jail, '--json']);
  cold.push(r.seconds);
  peakRssMB = Math.max(peakRssMB, Number(/RSS (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024);
}
const noop = [];
for (let i = 0; i < 5; i++) {
  const r = run(process.execPath, [bin, 'build', spec, jail, '--json']);
  const j = JSON.parse(r.stdout);
  if (j.added.length + j.changed.length + j.removed.length !== 0)
    throw new Error('no-op rebuild changed things');
  noop.push(r.seconds);
}

// cp -a of the same files (with their parent directories).
const cps = [];
for (let i = 0; i < 3; i++) {
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(copy);
  const host = plan.source === '/' ? '' : plan.source;
  cps.push(run('cp', ['-a', '--parents', '-t', copy, ...copied.map((p) => host + p)], { cwd: '/' }).seconds);
}

// jailkit: one cold run (it takes about a minute here), then a rerun over the existing jail.
let jkCold = null;
let jkAgain = null;
if (process.env.BENCH_SKIP_JAILKIT !== '1') {
  rmSync(jk, { recursive: true, force: true });
  const ini = path.join(import.meta.dirname, 'jk_init-python.ini');
  jkCold = run('jk_init', ['-c', ini, '-j', jk, 'python3'], { cwd: work }).seconds;
  jkAgain = run('jk_init', ['-c', ini, '-j', jk, 'python3'], { cwd: work }).seconds;
  rmSync(jk, { recursive: true, force: true });
}
rmSync(copy, { recursive: true, force: true });

const c = median(cold);
const n = median(noop);
const rows = [
  { tool: 'jailsmith build (cold)', seconds: c, ratio: 1 },
  { tool: 'jailsmith build (no-op)', seconds: n, ratio: 1 },
  { tool: 'cp -a same files', seconds: median(cps), ratio: median(cps) / c },
];
if (jkCold !== null) {
  rows.push({ tool: 'jk_init (cold)', seconds: jkCold, ratio: jkCold / c });
  rows.push({ tool: 'jk_init (rerun)', seconds: jkAgain, ratio: jkAgain / n });
}
console.log(`python jail: ${plan.entries.length} entries, ${copied.length} files and links copied`);
console.log('tool                         seconds   ratio (peer / jailsmith)');
for (const r of rows)
  console.log(`${r.tool.padEnd(28)} ${r.seconds.toFixed(3).padStart(7)}   ${r.ratio.toFixed(2)}`);
console.log(
  `goals: cold <= 1.5 s (${c <= 1.5 ? 'met' : 'missed'}), no-op <= 0.5 s (${n <= 0.5 ? 'met' : 'missed'})`,
);
console.log(`BENCH ${JSON.stringify({ name: 'build', rows, peakRssMB: Math.round(peakRssMB) })}`);
