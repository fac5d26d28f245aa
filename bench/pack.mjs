// Packs the python jail to tar.gz with jailsmith and, in the same run, with `tar --sort=name -czf`
// (GNU tar + gzip, the peer), both with the default package (its .jailsmith/setup.sh is a
// self-contained bundle, so the content is stored twice) and with --no-setup (tree + manifest only).
// Then packs a tree holding one 512 MiB file to show memory stays flat. Wall and CPU seconds are both
// shown: on a shared, oversubscribed machine CPU time is the steadier comparison.
// Prints a table and the BENCH line bench/run.mjs collects. Run as root after `npx tsc -p .`.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..');
const dist = path.join(repo, 'dist/index.js');
const RUNS = 3;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'jailsmith-bench-pack-'));

/** The python jail: built by jailsmith when the build API and jails/python exist, else a copy. */
async function pythonTree() {
  const dir = path.join(tmp, 'python');
  const lib = await import(dist);
  const spec = path.join(repo, 'jails/python.yaml');
  if (lib.buildJail && existsSync(spec)) {
    try {
      // The temp dir is private (0700); /tmp above it is world-writable by design.
      await lib.buildJail(spec, dir, { unsafeAncestors: true });
      return { dir, how: 'jailsmith build jails/python.yaml' };
    } catch (e) {
      process.stderr.write(`bench: building the python jail failed (${e.message}); using a copy\n`);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  mkdirSync(path.join(dir, 'usr/lib'), { recursive: true });
  mkdirSync(path.join(dir, 'usr/bin'), { recursive: true });
  cpSync('/usr/lib/python3.11', path.join(dir, 'usr/lib/python3.11'), {
    recursive: true,
    verbatimSymlinks: true,
  });
  cpSync('/usr/bin/python3.11', path.join(dir, 'usr/bin/python3.11'));
  return { dir, how: 'copy of /usr/lib/python3.11 + python3.11' };
}

function bigTree() {
  const dir = path.join(tmp, 'big');
  mkdirSync(dir);
  const fd = openSync(path.join(dir, 'blob'), 'w');
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < chunk.length; i += 4096) chunk.write(`block ${i} `, i);
  for (let i = 0; i < 512; i++) writeSync(fd, chunk);
  closeSync(fd);
  return dir;
}

/** Wall and CPU seconds (children included: tar's gzip, node's zlib threads) and peak RSS. */
function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const [wall, user, sys, rssKB] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { s: wall, cpu: user + sys, rss: rssKB / 1024 };
}

const bin = path.join(repo, 'bin/jailsmith');
function jailsmith(dir, out, setup = true) {
  rmSync(out, { force: true });
  return timed(process.execPath, [bin, 'pack', dir, '-o', out, ...(setup ? [] : ['--no-setup'])]);
}

function gnuTar(dir, out) {
  rmSync(out, { force: true });
  return timed('tar', ['--sort=name', '--numeric-owner', '-czf', out, '-C', dir, '.']);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const medianOf = (runs) => ({
  s: median(runs.map((r) => r.s)),
  cpu: median(runs.map((r) => r.cpu)),
  rss: Math.max(...runs.map((r) => r.rss)),
});

try {
  const py = await pythonTree();
  const runs = { ours: [], bare: [], gnu: [] };
  for (let i = 0; i < RUNS; i++) {
    runs.ours.push(jailsmith(py.dir, path.join(tmp, 'py.tar.gz')));
    runs.bare.push(jailsmith(py.dir, path.join(tmp, 'py-bare.tar.gz'), false));
    runs.gnu.push(gnuTar(py.dir, path.join(tmp, 'py-gnu.tar.gz')));
  }
  const js = medianOf(runs.ours);
  const jb = medianOf(runs.bare);
  const gt = medianOf(runs.gnu);
  const big = bigTree();
  const bj = jailsmith(big, path.join(tmp, 'big.tar.gz'));
  const bg = gnuTar(big, path.join(tmp, 'big-gnu.tar.gz'));
  const size = (f) => statSync(path.join(tmp, f)).size;
  console.log(
    `python tree: ${py.how}; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`,
  );
  console.log('| tree | tool | wall s | cpu s | wall vs GNU | cpu vs GNU | peak RSS MB | bytes |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  const row = (tree, tool, r, ref, bytes) =>
    console.log(
      `| ${tree} | ${tool} | ${r.s.toFixed(2)} | ${r.cpu.toFixed(2)} | ${(r.s / ref.s).toFixed(2)}x | ` +
        `${(r.cpu / ref.cpu).toFixed(2)}x | ${r.rss.toFixed(0)} | ${bytes} |`,
    );
  row('python', 'jailsmith pack (with setup.sh)', js, gt, size('py.tar.gz'));
  row('python', 'jailsmith pack --no-setup', jb, gt, size('py-bare.tar.gz'));
  row('python', 'tar --sort=name -czf', gt, gt, size('py-gnu.tar.gz'));
  row('512 MiB file', 'jailsmith pack (with setup.sh)', bj, bg, size('big.tar.gz'));
  row('512 MiB file', 'tar --sort=name -czf', bg, bg, size('big-gnu.tar.gz'));
  // ratio as bench/run.mjs reads it: peer seconds over jailsmith seconds (1 on jailsmith rows).
  const r = (tool, x, ref) => ({ tool, seconds: x.s, cpuSeconds: x.cpu, ratio: x.s / ref.s });
  console.log(
    `BENCH ${JSON.stringify({
      name: 'pack',
      rows: [
        r('jailsmith pack (python, tar.gz, with setup.sh)', js, js),
        r('jailsmith pack --no-setup (python)', jb, jb),
        r('tar --sort=name -czf (python) vs with setup.sh', gt, js),
        r('tar --sort=name -czf (python) vs --no-setup', gt, jb),
        r('jailsmith pack (512 MiB file)', bj, bj),
        r('tar --sort=name -czf (512 MiB file)', bg, bj),
      ],
      peakRssMB: Math.round(Math.max(js.rss, jb.rss, bj.rss)),
    })}`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
