// Starting a trivial job (/bin/sh -c true) in a jail built from jails/shell.yaml: jailsmith run
// (library, with and without its audit gate; and the CLI) against bubblewrap with the same
// isolation (all namespaces, uid 65534, no caps, new session), jailkit's jk_chrootlaunch (chroot +
// uid only) and plain `chroot --userspec` (no isolation). ratio = peer seconds / jailsmith's
// library run: below 1 means the peer starts faster. The goal is overhead a batch job does not
// notice (< 0.5 s per job), not to beat a C launcher.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildJail, runJail } from '../dist/index.js';

const here = import.meta.dirname;
const BIN = path.join(here, '../bin/jailsmith');
const JAIL = '/var/tmp/jailsmith-bench/run-shell';
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const JOB = ['/bin/sh', '-c', 'true'];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(fn) {
  const out = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(out);
}

function spawnOk(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
}

await buildJail(path.join(here, '../jails/shell.yaml'), JAIL, { unsafeAncestors: true });

const rows = [];
const lib = await timed(async () => {
  const r = await runJail({ jail: JAIL, command: JOB, allowUnsafe: true });
  if (r.exitCode !== 0) throw new Error(`job failed: ${JSON.stringify(r)}`);
});
rows.push({ tool: 'jailsmith runJail (no audit)', seconds: lib });
rows.push({
  tool: 'jailsmith runJail (audit gate)',
  seconds: await timed(() => runJail({ jail: JAIL, command: JOB })),
});
rows.push({
  tool: 'jailsmith run (CLI)',
  seconds: await timed(() => spawnOk(process.execPath, [BIN, 'run', JAIL, '--', ...JOB])),
});
if (existsSync('/usr/bin/bwrap')) {
  const bw = ['--bind', JAIL, '/', '--proc', '/proc', '--unshare-all', '--die-with-parent', '--new-session'];
  const ids = ['--uid', '65534', '--gid', '65534', '--cap-drop', 'ALL', '--clearenv'];
  rows.push({ tool: 'bubblewrap', seconds: await timed(() => spawnOk('bwrap', [...bw, ...ids, ...JOB])) });
}
if (existsSync('/usr/sbin/jk_chrootlaunch')) {
  // jk_chrootlaunch refuses an executable that is a symlink (sh -> dash): name the target.
  const jk = ['-j', JAIL, '-u', '65534', '-g', '65534', '-x', '/bin/dash', '--', '-c', 'true'];
  rows.push({ tool: 'jk_chrootlaunch', seconds: await timed(() => spawnOk('jk_chrootlaunch', jk)) });
}
rows.push({
  tool: 'chroot --userspec',
  seconds: await timed(() => spawnOk('chroot', ['--userspec=65534:65534', JAIL, ...JOB])),
});

for (const r of rows) r.ratio = Number((r.seconds / lib).toFixed(3));
console.log('| tool | seconds (median) | ratio |\n|---|---|---|');
for (const r of rows) console.log(`| ${r.tool} | ${r.seconds.toFixed(3)} | ${r.ratio} |`);
const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(`BENCH ${JSON.stringify({ name: 'run', rows, peakRssMB })}`);
