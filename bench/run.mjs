// Runs every bench/*.mjs in one go, collects their closing `BENCH {...}` lines and writes
// bench/results.md: medians and ratios against the peers, with the date and the machine.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const here = import.meta.dirname;
const only = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const results = [];
for (const script of scripts) {
  process.stderr.write(`bench: ${script}\n`);
  const r = spawnSync(process.execPath, [path.join(here, script)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 8 * 60_000,
  });
  process.stdout.write(r.stdout ?? '');
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('BENCH '));
  if (r.status !== 0 || !line) {
    results.push({ name: script, error: r.error?.message ?? `exit ${r.status}` });
    continue;
  }
  results.push(JSON.parse(line.slice('BENCH '.length)));
}

const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? os.arch();
const lines = [
  '# jailsmith benchmarks',
  '',
  `Run ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${cpu}), ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.release()}.`,
  'Seconds are medians of the runs each script makes; ratio is the peer time over jailsmith time',
  '(above 1: jailsmith is faster).',
  '',
  '| bench | tool | seconds | ratio | jailsmith peak RSS |',
  '|---|---|---:|---:|---:|',
];
for (const r of results) {
  if (r.error) {
    lines.push(`| ${r.name} | (failed: ${r.error}) | | | |`);
    continue;
  }
  for (const row of r.rows) {
    const ratio = typeof row.ratio === 'number' ? row.ratio.toFixed(2) : '';
    const rss = r.peakRssMB ? `${Math.round(r.peakRssMB)} MB` : '';
    // Job starts take milliseconds: a fourth decimal keeps them apart.
    const seconds = row.seconds.toFixed(row.seconds < 0.1 ? 4 : 3);
    lines.push(`| ${r.name} | ${row.tool} | ${seconds} | ${ratio} | ${rss} |`);
  }
}
writeFileSync(path.join(here, 'results.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
process.exitCode = results.some((r) => r.error) ? 1 : 0;
