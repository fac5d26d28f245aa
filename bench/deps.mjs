// jailsmith deps versus lddtree (one call) and an ldd loop (one process per file, as jailkit
// does) over every dynamically linked ELF program in /usr/bin and /usr/sbin.
// Prints a table and the closing BENCH line bench/run.mjs collects.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readElf } from '../dist/internal.js';

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

/** Wall seconds of one run; with /usr/bin/time also the peak RSS in MB and the CPU seconds. */
// lddtree is a python3 script started through env: give it the system's python (with pyelftools),
// not one a version manager may put first on PATH.
const sysEnv = { ...process.env, PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

function run(cmd, args) {
  const timed = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = timed
    ? spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
        maxBuffer: 1 << 28,
        env: sysEnv,
      })
    : spawnSync(cmd, args, { stdio: 'ignore', env: sysEnv });
  const seconds = (performance.now() - t0) / 1000;
  if (r.error) throw r.error;
  const [kb, user, sys] = timed ? (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number) : [];
  return {
    seconds,
    rssMB: (kb ?? Number.NaN) / 1024,
    cpu: (user ?? Number.NaN) + (sys ?? Number.NaN),
    status: r.status,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ours = [];
const oursCpu = [];
let peak = 0;
for (let i = 0; i < RUNS; i++) {
  const r = run(process.execPath, [bin, 'deps', '--json', ...files]);
  if (r.status !== 0 && r.status !== 1) throw new Error(`jailsmith deps exited ${r.status}`);
  ours.push(r.seconds);
  oursCpu.push(r.cpu);
  peak = Math.max(peak, r.rssMB);
}
// Where the time goes: Node's own start, and the CLI's start (loading every command module).
const nodeStart = median(Array.from({ length: RUNS }, () => run(process.execPath, ['-e', '0']).seconds));
const startup = median(Array.from({ length: RUNS }, () => run(process.execPath, [bin, '--version']).seconds));
// The same resolution without the CLI (Node, the resolver modules, resolve, JSON): what deps
// costs once the CLI stops loading every command's modules at start.
const libScript = `import { createResolverSync } from ${JSON.stringify(new URL('../dist/resolve/resolver.js', import.meta.url).href)};
const r = createResolverSync({}); const out = {};
for (const f of process.argv.slice(1)) { const d = r.resolveSync(f); out[f] = { interpreter: d.interpreter, closure: d.closure, missing: d.missing }; }
process.stdout.write(JSON.stringify(out, null, 2));`;
const libOnly = median(
  Array.from(
    { length: RUNS },
    () => run(process.execPath, ['--input-type=module', '-e', libScript, ...files]).seconds,
  ),
);
const lt = run('lddtree', files);
if (lt.status !== 0) throw new Error(`lddtree exited ${lt.status} (is python3-pyelftools installed?)`);
const lddtree = lt.seconds;
const ll = run('sh', ['-c', 'for f; do ldd "$f"; done', 'sh', ...files]);
const lddLoop = ll.seconds;

const js = median(ours);
const jsCpu = median(oursCpu);
// CPU seconds (user+sys, children included) beside wall: on a shared machine they move less.
const rows = [
  { tool: 'jailsmith deps --json', seconds: js, ratio: 1, cpuSeconds: jsCpu, cpuRatio: 1 },
  {
    tool: 'lddtree (one call)',
    seconds: lddtree,
    ratio: lddtree / js,
    cpuSeconds: lt.cpu,
    cpuRatio: lt.cpu / jsCpu,
  },
  {
    tool: 'ldd loop (jailkit)',
    seconds: lddLoop,
    ratio: lddLoop / js,
    cpuSeconds: ll.cpu,
    cpuRatio: ll.cpu / jsCpu,
  },
];
console.log(`${files.length} dynamically linked programs; jailsmith median of ${RUNS} runs`);
console.log('tool                       seconds   ratio   CPU s  CPU ratio');
for (const r of rows)
  console.log(
    `${r.tool.padEnd(26)} ${r.seconds.toFixed(3).padStart(7)} ${r.ratio.toFixed(1).padStart(6)}x ` +
      `${r.cpuSeconds.toFixed(2).padStart(7)} ${r.cpuRatio.toFixed(1).padStart(8)}x`,
  );
console.log(
  `node -e 0: ${nodeStart.toFixed(3)} s; jailsmith --version: ${startup.toFixed(3)} s; ` +
    `library without the CLI: ${libOnly.toFixed(3)} s; ` +
    `jailsmith deps CPU (user+sys): ${median(oursCpu).toFixed(2)} s; peak RSS ${peak.toFixed(1)} MB; load ${os.loadavg()[0].toFixed(1)}`,
);
console.log(
  `BENCH ${JSON.stringify({
    name: 'deps',
    files: files.length,
    rows,
    nodeStartSeconds: nodeStart,
    cliStartSeconds: startup,
    libraryOnlySeconds: libOnly,
    cpuSeconds: median(oursCpu),
    peakRssMB: Math.round(peak * 10) / 10,
  })}`,
);
