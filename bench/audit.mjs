// Audits a generated 100k-entry tree and, in the same run, times what `find` needs to print the
// same stat fields, plus the two whole-tree xattr readers we chose not to use (getfattr -R,
// getcap -r) for the file-capability design note in src/audit/fcaps.ts.
// Goal: jailsmith audit <= 2x find's time (ratio >= 0.5), peak RSS <= 200 MB.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const BIN = path.join(here, '../bin/jailsmith');
const CACHE = '/var/tmp/jailsmith-bench';
const TREE = path.join(CACHE, 'audit-100k');
const MARK = path.join(CACHE, 'audit-100k.done');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** 100 top dirs x 20 subdirs x 49 entries: files (1 in 50 an executable script), symlinks. */
function generate() {
  rmSync(TREE, { recursive: true, force: true });
  let n = 0;
  for (let a = 0; a < 100; a++) {
    for (let b = 0; b < 20; b++) {
      const d = path.join(TREE, `d${a}`, `s${b}`);
      mkdirSync(d, { recursive: true, mode: 0o755 });
      for (let c = 0; c < 49; c++) {
        const p = path.join(d, `e${c}`);
        if (c % 10 === 9) symlinkSync(c % 20 === 9 ? `e${c - 1}` : `/usr/share/e${c}`, p);
        else if (c % 50 === 0) {
          writeFileSync(p, '#!/bin/sh\necho hi\n');
          chmodSync(p, 0o755);
        } else writeFileSync(p, `data ${n}\n`);
        n++;
      }
    }
  }
  writeFileSync(MARK, `${n}\n`);
}

function time(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30, ...opts });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw r.error;
  return { s, r };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

if (!existsSync(MARK)) {
  process.stderr.write(`generating ${TREE}\n`);
  generate();
}
const findArgs = [TREE, '-printf', '%p %i %n %m %u %g %s %y %D\n'];
time('find', findArgs); // warm the dentry and inode caches for both contenders
const entries = time('find', [TREE]).r.stdout.toString().split('\n').length - 1;

const findT = [];
const auditT = [];
let peakKB = 0;
for (let i = 0; i < RUNS; i++) {
  findT.push(time('find', findArgs).s);
  // /usr/bin/time reports the audit's own peak RSS; the wall time includes Node's start-up.
  const a = time('/usr/bin/time', [
    '-f',
    '%M',
    process.execPath,
    BIN,
    'audit',
    TREE,
    '--json',
    '--fail-on',
    'none',
  ]);
  if (a.r.status !== 0) throw new Error(`audit failed: ${a.r.stderr}`);
  auditT.push(a.s);
  peakKB = Math.max(peakKB, Number(a.r.stderr.toString().trim().split('\n').pop()));
}
const getfattrR = time('getfattr', [
  '-R',
  '-P',
  '-d',
  '-m',
  '^security\\.capability$',
  '-e',
  'hex',
  '--absolute-names',
  TREE,
]).s;
const getcapR = time('getcap', ['-r', TREE]).s;

const f = median(findT);
const j = median(auditT);
const rows = [
  { tool: 'jailsmith audit', seconds: j, ratio: 1 },
  { tool: "find -printf '%p %i %n %m %u %g %s %y %D'", seconds: f, ratio: f / j },
  { tool: 'getfattr -R security.capability (alone)', seconds: getfattrR, ratio: getfattrR / j },
  { tool: 'getcap -r (alone)', seconds: getcapR, ratio: getcapR / j },
];
console.log(`audit of ${entries} entries, median of ${RUNS} runs`);
for (const r of rows)
  console.log(`${r.tool.padEnd(48)} ${r.seconds.toFixed(3)} s  ratio ${r.ratio.toFixed(2)}`);
console.log(
  `jailsmith/find: ${(j / f).toFixed(2)}x (goal <= 2x); peak RSS ${(peakKB / 1024).toFixed(0)} MB (goal <= 200)`,
);
console.log(`BENCH ${JSON.stringify({ name: 'audit', entries, rows, peakRssMB: peakKB / 1024 })}`);
