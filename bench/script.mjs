import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { freshDirs, median, run } from './lib/timed.mjs';

const repo = path.resolve(import.meta.dirname, '..');
const bin = path.join(repo, 'bin/jailsmith');
const spec = process.env.BENCH_SPEC ?? path.join(repo, 'jails/python.yaml');
const work = '/var/lib/jailsmith-bench-script';
const at = (name) => path.join(work, name);

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true, mode: 0o755 });

const med = (xs) => ({ seconds: median(xs.map((x) => x.seconds)), cpu: median(xs.map((x) => x.cpu)) });
const times = (n, before, f) =>
  Array.from({ length: n }, () => {
    before();
    return f();
  });
const none = () => {};

const plan = JSON.parse(run(process.execPath, [bin, 'plan', spec, '--json']).stdout);
const copied = plan.entries.filter((e) => e.type === 'file' || e.type === 'symlink').map((e) => e.path);

const renderHost = run(process.execPath, [bin, 'script', spec, '-o', at('setup.sh'), '-q']);
const renderBundle = run(process.execPath, [
  bin,
  'script',
  spec,
  '--mode',
  'bundle',
  '-o',
  at('bundle.sh'),
  '-q',
]);
// Every cold row writes into a new directory (freshDirs says why); the built jail for the tarball
// and the host script's second run use the last one of theirs.
const dirs = freshDirs(work, 'cold');
let built = '';
const build = times(3, none, () => {
  built = dirs.next();
  return run(process.execPath, [bin, 'build', spec, built, '-q']);
});
let host = '';
const hostCold = times(3, none, () => {
  host = dirs.next();
  return run('sh', [at('setup.sh'), '-q', host]);
});
const hostAgain = times(3, none, () => run('sh', [at('setup.sh'), '-q', host]));
const bundle = times(3, none, () => run('sh', [at('bundle.sh'), '-q', dirs.next()]));
const cps = times(3, none, () => {
  const copy = dirs.next();
  mkdirSync(copy);
  const source = plan.source === '/' ? '' : plan.source;
  return run('cp', ['-a', '--parents', '-t', copy, ...copied.map((p) => source + p)], { cwd: '/' });
});
run('tar', ['-czf', at('built.tar.gz'), '-C', built, '.']);

const b = med(build);
const row = (tool, m) => ({ tool, seconds: m.seconds, ratio: m.seconds / b.seconds, cpuSeconds: m.cpu });
const rows = [
  row('jailsmith build (cold)', b),
  row('sh setup.sh (host, cold)', med(hostCold)),
  row('sh setup.sh (host, again)', med(hostAgain)),
  row('sh bundle.sh (cold)', med(bundle)),
  row('cp -a same files', med(cps)),
  row('jailsmith script (host)', renderHost),
  row('jailsmith script (bundle)', renderBundle),
];
const bundleMB = statSync(at('bundle.sh')).size / 2 ** 20;
const tgzMB = statSync(at('built.tar.gz')).size / 2 ** 20;
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`python jail: ${plan.entries.length} entries; load ${load}`);
console.log('tool                          wall s    cpu s   ratio (wall / build wall)');
for (const r of rows) {
  console.log(
    `${r.tool.padEnd(29)} ${r.seconds.toFixed(3).padStart(7)}  ${r.cpuSeconds.toFixed(3).padStart(7)}   ${r.ratio.toFixed(2)}`,
  );
}
console.log(
  `bundle ${bundleMB.toFixed(1)} MB, tar -czf of the built jail ${tgzMB.toFixed(1)} MB (${(bundleMB / tgzMB).toFixed(2)}x)`,
);
const peakRssMB = Math.round(Math.max(renderHost.rssMB, renderBundle.rssMB));
rmSync(work, { recursive: true, force: true });
console.log(`BENCH ${JSON.stringify({ name: 'script', rows, peakRssMB })}`);
