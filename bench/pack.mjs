// Packs the python jail to tar.gz with jailsmith and, in the same run, with `tar --sort=name -czf`
// (GNU tar + gzip, the peer), both with the default package (its .jailsmith/setup.sh is a
// self-contained bundle, so the content is stored twice) and with --no-setup (tree + manifest only).
// Then packs a tree holding one 512 MiB file to show memory stays flat.
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

/** jailsmith in a child so its peak RSS is its own; returns seconds and maxRSS in MB. */
function jailsmith(dir, out, setup = true) {
  const code = `
    const { packJail } = await import(${JSON.stringify(dist)});
    const t = process.hrtime.bigint();
    await packJail(${JSON.stringify(dir)}, ${JSON.stringify(out)}, { format: 'tar.gz', setup: ${setup} });
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    console.log(JSON.stringify({ s, rss: process.resourceUsage().maxRSS / 1024 }));`;
  rmSync(out, { force: true });
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`jailsmith pack failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function gnuTar(dir, out) {
  rmSync(out, { force: true });
  const t = process.hrtime.bigint();
  const r = spawnSync('tar', ['--sort=name', '--numeric-owner', '-czf', out, '-C', dir, '.'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const py = await pythonTree();
  const ours = [];
  const bare = [];
  const theirs = [];
  let rss = 0;
  for (let i = 0; i < RUNS; i++) {
    const j = jailsmith(py.dir, path.join(tmp, 'py.tar.gz'));
    ours.push(j.s);
    rss = Math.max(rss, j.rss);
    const n = jailsmith(py.dir, path.join(tmp, 'py-bare.tar.gz'), false);
    bare.push(n.s);
    rss = Math.max(rss, n.rss);
    theirs.push(gnuTar(py.dir, path.join(tmp, 'py-gnu.tar.gz')));
  }
  const js = median(ours);
  const jb = median(bare);
  const gt = median(theirs);
  const big = bigTree();
  const bj = jailsmith(big, path.join(tmp, 'big.tar.gz'));
  const bg = gnuTar(big, path.join(tmp, 'big-gnu.tar.gz'));
  const size = (f) => statSync(path.join(tmp, f)).size;
  console.log(`python tree: ${py.how}`);
  console.log('| tree | tool | seconds | jailsmith/GNU | peak RSS MB | archive bytes |');
  console.log('|---|---|---:|---:|---:|---:|');
  const row = (tree, tool, s, ref, r, bytes) =>
    console.log(`| ${tree} | ${tool} | ${s.toFixed(3)} | ${(s / ref).toFixed(2)}x | ${r} | ${bytes} |`);
  row('python', 'jailsmith pack (with setup.sh)', js, gt, rss.toFixed(0), size('py.tar.gz'));
  row('python', 'jailsmith pack --no-setup', jb, gt, '', size('py-bare.tar.gz'));
  row('python', 'tar --sort=name -czf', gt, gt, '', size('py-gnu.tar.gz'));
  row('512 MiB file', 'jailsmith pack (with setup.sh)', bj.s, bg, bj.rss.toFixed(0), size('big.tar.gz'));
  row('512 MiB file', 'tar --sort=name -czf', bg, bg, '', size('big-gnu.tar.gz'));
  console.log(
    `BENCH ${JSON.stringify({
      name: 'pack',
      rows: [
        { tool: 'jailsmith pack (python, tar.gz, with setup.sh)', seconds: js, ratio: 1 },
        { tool: 'jailsmith pack --no-setup (python)', seconds: jb, ratio: js / jb },
        { tool: 'tar --sort=name -czf (python)', seconds: gt, ratio: gt / js },
        { tool: 'jailsmith pack (512 MiB file)', seconds: bj.s, ratio: 1 },
        { tool: 'tar --sort=name -czf (512 MiB file)', seconds: bg, ratio: bg / bj.s },
      ],
      peakRssMB: Math.max(rss, bj.rss),
    })}`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
