// Start-up cost of the CLI against Node's own: `node -e 0`, then jailsmith --version (answered
// before yargs or any command loads), --help (yargs and the command table, no command module),
// `audit` of a small jail and `run` of a trivial job in it (the fast path: yargs-parser, the
// command and the part of src/ it needs, no yargs).
// Goals: --version <= node -e 0 + 40 ms; run of a trivial job <= node -e 0 + 60 ms (issue 13,
// the job itself ~30 ms of it); audit as close to Node as its imports allow (issue 17).
// Runs are interleaved so that load drift on a shared machine hits every row alike; CPU seconds
// (user+sys, children included) are the steadier figure there.
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
  { tool: 'jailsmith run (sh -c true)', args: [bin, 'run', jail, '--', '/bin/sh', '-c', 'true'] },
];
const GOALS = { 'jailsmith --version': 40, 'jailsmith run (sh -c true)': 60 };
const samples = cases.map(() => []);
for (let i = 0; i < RUNS + 1; i++) {
  cases.forEach((c, k) => {
    const r = run(process.execPath, c.args);
    if (i > 0) samples[k].push(r); // the first round warms the page cache
  });
}
cleanJail(jail);

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const node = median(samples[0].map((s) => s.seconds));
// GNU time counts CPU in 10 ms steps: the mean of many runs says more than their median.
const nodeCpu = mean(samples[0].map((s) => s.cpu));
const rows = cases.map((c, k) => {
  const seconds = median(samples[k].map((s) => s.seconds));
  const cpuSeconds = mean(samples[k].map((s) => s.cpu));
  return {
    tool: c.tool,
    seconds,
    // Peer (Node alone) over this row, as in the other benches: below 1, Node alone is faster.
    ratio: node / seconds,
    cpuSeconds,
    overMs: (seconds - node) * 1000,
    cpuOverMs: (cpuSeconds - nodeCpu) * 1000,
  };
});
const peakRssMB = Math.max(...samples.flat().map((s) => s.rssMB));

const ms = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(0)} ms`;
console.log(`CLI start-up, ${RUNS} runs each: median wall, mean CPU (GNU time wraps every row alike)`);
console.log('tool                           wall s    cpu s   wall over node   cpu over node   x node -e 0');
for (const r of rows) {
  console.log(
    `${r.tool.padEnd(30)} ${r.seconds.toFixed(3).padStart(6)}  ${r.cpuSeconds.toFixed(3).padStart(7)}   ${ms(r.overMs).padStart(14)}   ${ms(r.cpuOverMs).padStart(13)}   ${(r.seconds / node).toFixed(2).padStart(11)}`,
  );
}
for (const [tool, goal] of Object.entries(GOALS)) {
  const r = rows.find((x) => x.tool === tool);
  const verdict = (x) => (x <= goal ? 'met' : 'MISSED');
  console.log(
    `${tool} goal (<= node -e 0 + ${goal} ms): wall ${ms(r.overMs)} ${verdict(r.overMs)}, cpu ${ms(r.cpuOverMs)} ${verdict(r.cpuOverMs)}`,
  );
}
console.log(`BENCH ${JSON.stringify({ name: 'cli-start', rows, peakRssMB: Math.round(peakRssMB) })}`);
