import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanJail, median, run as timed } from './lib/timed.mjs';

const repo = path.resolve(import.meta.dirname, '..');
const bin = path.join(repo, 'bin/jailsmith');
const ini = '/etc/jailkit/jk_init.ini';
const work = '/var/lib/jailsmith-bench';
const jail = path.join(work, 'basicshell');
const jk = path.join(work, 'jk-basicshell');
const spec = path.join(work, 'basicshell.yaml');
mkdirSync(work, { recursive: true, mode: 0o755 });

const run = (cmd, args) => timed(cmd, args, { cwd: work });
const clean = cleanJail;

const ours = [];
const imports = [];
const builds = [];
let peakRssMB = 0;
for (let i = 0; i < 3; i++) {
  clean(jail);
  const imp = run(process.execPath, [bin, 'import', 'jailkit', ini, 'basicshell', '--quiet']);
  writeFileSync(spec, imp.stdout);
  const b = run(process.execPath, [bin, 'build', spec, jail, '--json']);
  ours.push({ seconds: imp.seconds + b.seconds, cpu: imp.cpu + b.cpu });
  imports.push(imp);
  builds.push(b);
  peakRssMB = Math.max(peakRssMB, imp.rssMB, b.rssMB);
}
const theirs = [];
for (let i = 0; i < 2; i++) {
  rmSync(jk, { recursive: true, force: true });
  theirs.push(run('jk_init', ['-j', jk, 'basicshell']));
}
const entries = JSON.parse(run(process.execPath, [bin, 'plan', spec, '--json']).stdout).entries.length;
clean(jail);
rmSync(jk, { recursive: true, force: true });
rmSync(spec, { force: true });

const med = (xs) => ({ seconds: median(xs.map((x) => x.seconds)), cpu: median(xs.map((x) => x.cpu)) });
const o = med(ours);
const t = med(theirs);
const rows = [
  { tool: 'jailsmith import + build', seconds: o.seconds, ratio: 1, cpuSeconds: o.cpu },
  {
    tool: '  of which import',
    seconds: med(imports).seconds,
    ratio: med(imports).seconds / o.seconds,
    cpuSeconds: med(imports).cpu,
  },
  {
    tool: '  of which build',
    seconds: med(builds).seconds,
    ratio: med(builds).seconds / o.seconds,
    cpuSeconds: med(builds).cpu,
  },
  { tool: 'jk_init basicshell', seconds: t.seconds, ratio: t.seconds / o.seconds, cpuSeconds: t.cpu },
];
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`jailkit basicshell: ${entries} plan entries; load ${load}`);
console.log('tool                         wall s    cpu s   ratio (peer wall / jailsmith wall)');
for (const r of rows) {
  console.log(
    `${r.tool.padEnd(28)} ${r.seconds.toFixed(3).padStart(7)}  ${r.cpuSeconds.toFixed(3).padStart(7)}   ${r.ratio.toFixed(2)}`,
  );
}
console.log(`BENCH ${JSON.stringify({ name: 'import', rows, peakRssMB: Math.round(peakRssMB) })}`);
