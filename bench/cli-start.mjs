// Start-up cost of the CLI against Node's own: `node -e 0`, then jailsmith --version (answered
// before yargs or any command loads), --help (yargs and the command table, no command module) and
// `audit` of a small jail (yargs, the audit command and the part of src/ it needs).
// Goal: --version <= node -e 0 + 40 ms; the others as close to Node as their imports allow.
// Runs are interleaved so that load drift on a shared machine hits every row alike.
import path from 'node:path';
import { cleanJail, median, run } from './lib/timed.mjs';

const repo = path.resolve(import.meta.dirname, '..');
const bin = path.join(repo, 'bin/jailsmith');
const jail = '/var/tmp/jailsmith-bench/cli-start-shell';
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

cleanJail(jail);
run(process.execPath, [bin, 'build', path.join(repo, 'jails/shell.yaml'), jail, '--quiet']);

const cases = [
  { tool: 'node -e 0', args: ['-e', '0'] },
  { tool: 'jailsmith --version', args: [bin, '--version'] },
  { tool: 'jailsmith --help', args: [bin, '--help'] },
  { tool: 'jailsmith audit (shell jail)', args: [bin, 'audit', jail, '--fail-on', 'none'] },
];
const samples = cases.map(() => []);
for (let i = 0; i < RUNS + 1; i++) {
  cases.forEach((c, k) => {
    const r = run(process.execPath, c.args);
    if (i > 0) samples[k].push(r); // the first round warms the page cache
  });
}
cleanJail(jail);

const node = median(samples[0].map((s) => s.seconds));
const rows = cases.map((c, k) => {
  const seconds = median(samples[k].map((s) => s.seconds));
  return {
    tool: c.tool,
    seconds,
    // Peer (Node alone) over this row, as in the other benches: below 1, Node alone is faster.
    ratio: node / seconds,
    cpuSeconds: median(samples[k].map((s) => s.cpu)),
    overMs: (seconds - node) * 1000,
  };
});
const peakRssMB = Math.max(...samples.flat().map((s) => s.rssMB));

console.log(`CLI start-up, median of ${RUNS} runs each (GNU time wraps every row alike)`);
console.log('tool                           wall s    cpu s   over node -e 0   x node -e 0');
for (const r of rows) {
  console.log(
    `${r.tool.padEnd(30)} ${r.seconds.toFixed(3).padStart(6)}  ${r.cpuSeconds.toFixed(3).padStart(7)}   ${`${r.overMs >= 0 ? '+' : ''}${r.overMs.toFixed(0)} ms`.padStart(14)}   ${(r.seconds / node).toFixed(2).padStart(11)}`,
  );
}
const version = rows[1];
console.log(`--version goal (<= node -e 0 + 40 ms): ${version.overMs <= 40 ? 'met' : 'MISSED'}`);
console.log(`BENCH ${JSON.stringify({ name: 'cli-start', rows, peakRssMB: Math.round(peakRssMB) })}`);
