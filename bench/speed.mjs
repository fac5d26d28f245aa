// Issue 17 (speed), side by side in one run, each pair interleaved so a loaded machine weighs on
// both sides alike. Wall AND CPU (user+sys, children included, from GNU time) for every row: on
// a shared 2-core machine CPU seconds swing far less than wall.
// - no-op rebuilds of jails/python.yaml and of bench/fixtures/issue-17.yaml, beside `node -e 0`
// - cold build of the python jail beside `cp -a` of the same files (a `sync` before each), and
//   beside the floor of any Node.js program doing that copy (lib/bare-copy.mjs)
// - audit of a 100k-entry tree (400 dirs x 250 empty files) beside `find -printf` with numeric ids
// - audit of a 1M-entry tree (4000 x 250): its peak RSS (BENCH_SKIP_1M=1 leaves it out)
// Goals: no-op python <= 0.25 s, no-op issue-17 <= 0.3 s, audit <= 2x find, cold <= 1.2x cp -a,
// 1M-entry audit < 400 MB RSS.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanJail, freshDirs, median, run } from './lib/timed.mjs';

const here = import.meta.dirname;
const repo = path.resolve(here, '..');
const bin = path.join(repo, 'bin/jailsmith');
const node = process.execPath;
const CACHE = '/var/tmp/jailsmith-bench';
const work = '/var/lib/jailsmith-bench';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
mkdirSync(work, { recursive: true, mode: 0o755 });
mkdirSync(path.join(CACHE, 'cxx'), { recursive: true });

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const loadBefore = load();

// The fixture's C++ program, compiled once.
const hello = path.join(CACHE, 'cxx/hello');
if (!existsSync(hello)) run('g++', ['-O1', '-o', hello, path.join(here, 'fixtures/hello.cpp')]);

/** A tree of `dirs` x `files` empty files, made once and kept (marked done when complete). */
function tree(name, dirs, files) {
  const root = path.join(CACHE, name);
  const mark = `${root}.done`;
  if (existsSync(mark)) return root;
  process.stderr.write(`generating ${root}\n`);
  rmSync(root, { recursive: true, force: true });
  for (let d = 0; d < dirs; d++) {
    const dir = path.join(root, `d${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < files; f++) closeSync(openSync(path.join(dir, `f${f}`), 'w'));
  }
  writeFileSync(mark, `${dirs * files + dirs + 1}\n`);
  return root;
}

const rows = [];
const row = (tool, xs, extra = {}) => {
  const r = {
    tool,
    seconds: median(xs.map((x) => x.seconds)),
    cpuSeconds: median(xs.map((x) => x.cpu)),
    rssMB: Math.max(...xs.map((x) => x.rssMB)),
    ...extra,
  };
  rows.push(r);
  return r;
};
const build = (spec, dir, extra = []) => run(node, [bin, 'build', spec, dir, '--json', ...extra]);

// 1. No-op rebuilds, after one cold build each; node -e 0 as the floor.
const specs = {
  python: path.join(repo, 'jails/python.yaml'),
  'issue-17': path.join(here, 'fixtures/issue-17.yaml'),
};
const counts = {};
for (const [name, spec] of Object.entries(specs)) {
  cleanJail(path.join(work, `noop-${name}`));
  build(spec, path.join(work, `noop-${name}`));
  counts[name] = JSON.parse(run(node, [bin, 'plan', spec, '--json']).stdout).entries.length;
}
const noop = { python: [], 'issue-17': [] };
const bare = [];
for (let i = 0; i < RUNS; i++) {
  for (const [name, spec] of Object.entries(specs)) {
    const r = build(spec, path.join(work, `noop-${name}`));
    const j = JSON.parse(r.stdout);
    if (j.added.length + j.changed.length + j.removed.length !== 0)
      throw new Error(`${name}: no-op changed things`);
    noop[name].push(r);
  }
  bare.push(run(node, ['-e', '0']));
}
const noopPy = row(`no-op build python (${counts.python} entries)`, noop.python);
const noop17 = row(`no-op build issue-17 (${counts['issue-17']} entries)`, noop['issue-17']);
row('node -e 0', bare);

// 2. Cold build of the python jail against cp -a of the same files, a sync before each, each into
// a directory of its own (freshDirs says why). Beside them the floor of any Node.js program
// (lib/bare-copy.mjs: the plan's directories, links and copies and nothing else), on one thread
// and on two. The four take turns in a rotating order, so none always follows the same one.
const planText = run(node, [bin, 'plan', specs.python, '--json']).stdout;
const planFile = path.join(work, `cold-plan-${process.pid}.json`);
writeFileSync(planFile, planText);
const copied = JSON.parse(planText)
  .entries.filter((e) => e.type === 'file' || e.type === 'symlink')
  .map((e) => e.path);
const bareCopy = path.join(here, 'lib/bare-copy.mjs');
const dirs = freshDirs(work, 'cold');
const coldSides = {
  jailsmith: (dir) => build(specs.python, dir),
  bare1: (dir) => run(node, [bareCopy, planFile, dir, '1']),
  bare2: (dir) => run(node, [bareCopy, planFile, dir, '2']),
  cp: (dir) => run('cp', ['-a', '--parents', '-t', dir, ...copied], { cwd: '/' }),
};
const coldRuns = Object.fromEntries(Object.keys(coldSides).map((k) => [k, []]));
for (let i = 0; i < RUNS; i++) {
  const names = Object.keys(coldSides);
  for (const k of [...names.slice(i % names.length), ...names.slice(0, i % names.length)]) {
    const dir = dirs.next();
    if (k === 'cp') mkdirSync(dir); // cp -t wants its target; the others make theirs
    spawnSync('sync');
    coldRuns[k].push(coldSides[k](dir));
  }
}
const coldJs = row('cold build python', coldRuns.jailsmith);
const floor1 = row('floor: bare Node copy of the same plan', coldRuns.bare1);
const floor2 = row('floor: the same on two threads', coldRuns.bare2);
const coldCp = row(`cp -a of the same ${copied.length} files and links`, coldRuns.cp);
dirs.done();
rmSync(planFile);

// 3. Audit of 100k entries against find printing the same stat fields with numeric ids.
const t100k = tree('audit-400x250', 400, 250);
const findArgs = [t100k, '-printf', '%m %U %G %i %n %y %s\n'];
run('find', findArgs); // warm the dentry and inode caches for both
const finds = [];
const audits = [];
for (let i = 0; i < RUNS; i++) {
  finds.push(run('find', findArgs));
  audits.push(run(node, [bin, 'audit', t100k, '--json', '--fail-on', 'none']));
}
const entries100k = JSON.parse(audits[0].stdout).summary.entries;
const auditJs = row(`audit ${entries100k} entries`, audits);
const findRow = row("find -printf '%m %U %G %i %n %y %s' (numeric ids)", finds);

// 4. A 1M-entry tree: the audit's peak RSS.
let audit1m = null;
if (process.env.BENCH_SKIP_1M !== '1') {
  const t1m = tree('audit-1m', 4000, 250);
  const r = run(node, [bin, 'audit', t1m, '--json', '--fail-on', 'none']);
  audit1m = row(`audit ${JSON.parse(r.stdout).summary.entries} entries (peak RSS)`, [r]);
}

const f = (x) => x.toFixed(3).padStart(7);
console.log(`load average before ${loadBefore}, after ${load()} (2 cores shared with other work)`);
console.log(`${'row'.padEnd(58)}  wall s    cpu s   peak RSS`);
for (const r of rows)
  console.log(`${r.tool.padEnd(58)} ${f(r.seconds)}  ${f(r.cpuSeconds)}  ${Math.round(r.rssMB)} MB`);
const goal = (ok) => (ok ? 'met' : 'missed');
console.log(
  [
    `no-op python ${noopPy.seconds.toFixed(3)} s (goal <= 0.25: ${goal(noopPy.seconds <= 0.25)})`,
    `no-op issue-17 ${noop17.seconds.toFixed(3)} s (goal <= 0.3: ${goal(noop17.seconds <= 0.3)})`,
    `audit/find ${(auditJs.seconds / findRow.seconds).toFixed(2)}x wall, ${(auditJs.cpuSeconds / findRow.cpuSeconds).toFixed(2)}x cpu (goal <= 2x: ${goal(auditJs.seconds <= 2 * findRow.seconds)})`,
    `cold/cp -a ${(coldJs.seconds / coldCp.seconds).toFixed(2)}x wall, ${(coldJs.cpuSeconds / coldCp.cpuSeconds).toFixed(2)}x cpu (goal <= 1.2x: ${goal(coldJs.seconds <= 1.2 * coldCp.seconds)})`,
    `floor/cp -a ${(floor1.seconds / coldCp.seconds).toFixed(2)}x on one thread, ${(floor2.seconds / coldCp.seconds).toFixed(2)}x on two; cold/floor ${(coldJs.seconds / floor1.seconds).toFixed(2)}x`,
    audit1m
      ? `1M-entry audit peak RSS ${Math.round(audit1m.rssMB)} MB (goal < 400: ${goal(audit1m.rssMB < 400)})`
      : '',
  ]
    .filter(Boolean)
    .join('\n'),
);
console.log(
  `BENCH ${JSON.stringify({
    name: 'speed',
    rows: rows.map((r) => ({ tool: r.tool, seconds: r.seconds, cpuSeconds: r.cpuSeconds, rssMB: r.rssMB })),
    load: [loadBefore, load()],
    peakRssMB: Math.round(Math.max(...rows.filter((r) => r.tool.startsWith('audit')).map((r) => r.rssMB))),
  })}`,
);
