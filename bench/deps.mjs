// jailsmith deps versus lddtree (one call) and an ldd loop (one process per file, as jailkit
// does) over every dynamically linked ELF program in /usr/bin and /usr/sbin.
// Prints a table and the closing BENCH line bench/run.mjs collects.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { readElf } from '../dist/index.js';

const bin = path.join(import.meta.dirname, '..', 'bin', 'jailsmith');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const files = [];
for (const dir of ['/usr/bin', '/usr/sbin'])
  for (const name of readdirSync(dir).sort()) {
    const p = `${dir}/${name}`;
    try {
      if (statSync(p).isFile() && readElf(p).interpreter !== null) files.push(p);
    } catch {
      // not a dynamically linked ELF program
    }
  }

/** Wall seconds of one run; with /usr/bin/time also the peak RSS in MB. */
function run(cmd, args) {
  const timed = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = timed
    ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      })
    : spawnSync(cmd, args, { stdio: 'ignore' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.error) throw r.error;
  const kb = timed ? Number(r.stderr.trim().split('\n').pop()) : Number.NaN;
  return { seconds, rssMB: kb / 1024, status: r.status };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ours = [];
let peak = 0;
for (let i = 0; i < RUNS; i++) {
  const r = run(process.execPath, [bin, 'deps', '--json', ...files]);
  if (r.status !== 0 && r.status !== 1) throw new Error(`jailsmith deps exited ${r.status}`);
  ours.push(r.seconds);
  peak = Math.max(peak, r.rssMB);
}
const startup = median(Array.from({ length: RUNS }, () => run(process.execPath, [bin, '--version']).seconds));
const lddtree = run('lddtree', files).seconds;
const lddLoop = run('sh', ['-c', 'for f; do ldd "$f"; done', 'sh', ...files]).seconds;

const js = median(ours);
const rows = [
  { tool: 'jailsmith deps --json', seconds: js, ratio: 1 },
  { tool: 'lddtree (one call)', seconds: lddtree, ratio: lddtree / js },
  { tool: 'ldd loop (jailkit)', seconds: lddLoop, ratio: lddLoop / js },
];
console.log(`${files.length} dynamically linked programs; jailsmith median of ${RUNS} runs`);
console.log('tool                       seconds   ratio');
for (const r of rows)
  console.log(`${r.tool.padEnd(26)} ${r.seconds.toFixed(3).padStart(7)} ${r.ratio.toFixed(1).padStart(7)}x`);
console.log(`jailsmith --version alone: ${startup.toFixed(3)} s; peak RSS ${peak.toFixed(1)} MB`);
console.log(
  `BENCH ${JSON.stringify({ name: 'deps', files: files.length, rows, startupSeconds: startup, peakRssMB: Math.round(peak * 10) / 10 })}`,
);
