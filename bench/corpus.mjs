// The corpus (bench/lib/corpus-programs.mjs) three ways, each jail run as a user with
// chroot --userspec: jailsmith with discovery (the default), jailsmith with `discover: false`,
// and jailkit's jk_init with the section that lists the program (jk_cp of the program when no
// section does). Prints programs that work, jail size and build time; held-out programs apart.
// Run as root: node bench/corpus.mjs (after npm run build).
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TASKS } from './lib/corpus-programs.mjs';

const repo = path.resolve(import.meta.dirname, '..');
const bin = path.join(repo, 'bin/jailsmith');
// Not under /tmp: jk_init refuses a jail below a world-writable directory.
const work = '/var/lib/jailsmith-bench-corpus';
const CHROOT = ['/usr/sbin/chroot', '/usr/bin/chroot'].find((p) => existsSync(p));
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true, mode: 0o755 });

/** jk_init.ini: section → the names and paths it lists. */
function jkSections() {
  const out = new Map();
  let cur = null;
  for (const line of readFileSync('/etc/jailkit/jk_init.ini', 'utf8').split('\n')) {
    const h = /^\[(.+)\]/.exec(line);
    if (h) cur = h[1];
    const p = /^paths\s*=\s*(.*)$/.exec(line);
    if (cur && p)
      out.set(
        cur,
        p[1].split(',').map((s) => s.trim()),
      );
  }
  return out;
}
const sections = jkSections();
const sectionFor = (prog) =>
  [...sections].find(([, paths]) => paths.some((p) => p === prog || p.endsWith(`/${prog}`)))?.[0];

function du(dir) {
  const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number(r.stdout.split('\t')[0]);
}

function runIn(jail, t) {
  const r = spawnSync(CHROOT, ['--userspec=1000:1000', jail, t.prog, ...t.args], {
    input: t.stdin ?? '',
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...t.env },
    timeout: 30_000,
  });
  const out = r.stdout ?? Buffer.alloc(0);
  const right =
    typeof t.expect === 'string' ? out.toString() === t.expect : t.expect(out, String(r.stderr ?? ''));
  const status = r.status === (t.status ?? 0);
  return right && status ? 'works' : status ? 'wrong' : 'fails';
}

function jailsmith(t, label, extra) {
  const spec = path.join(work, `${t.prog}-${label}.yaml`);
  writeFileSync(spec, `binaries: [${t.prog}]\nusers: [{name: app, uid: 1000}]\n${extra}`);
  const jail = path.join(work, `${t.prog}-${label}`);
  const t0 = performance.now();
  const b = spawnSync(process.execPath, [bin, 'build', spec, jail, '-q'], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (b.status !== 0) return { verdict: 'fails', bytes: 0, ms };
  return { verdict: runIn(jail, t), bytes: du(jail), ms };
}

function jailkit(t) {
  const jail = path.join(work, `${t.prog}-jk`);
  mkdirSync(jail, { recursive: true });
  const section = sectionFor(t.prog);
  const t0 = performance.now();
  const found = spawnSync('sh', ['-c', `command -v ${t.prog}`], { encoding: 'utf8' }).stdout.trim();
  const r = section
    ? spawnSync('jk_init', ['-j', jail, section], { encoding: 'utf8' })
    : spawnSync('jk_cp', ['-j', jail, found], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  // The same user as the jailsmith jails, written by hand (jk_jailuser needs a host account).
  mkdirSync(path.join(jail, 'etc'), { recursive: true });
  writeFileSync(
    path.join(jail, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n',
  );
  writeFileSync(path.join(jail, 'etc/group'), 'root:x:0:\napp:x:1000:\n');
  mkdirSync(path.join(jail, 'home/app'), { recursive: true });
  chownSync(path.join(jail, 'home/app'), 1000, 1000);
  if (r.status !== 0 && !existsSync(path.join(jail, found.slice(1))))
    return { verdict: 'fails', bytes: du(jail), ms, section };
  return { verdict: runIn(jail, t), bytes: du(jail), ms, section: section ?? 'jk_cp' };
}

const rows = TASKS.map((t) => ({
  t,
  on: jailsmith(t, 'on', ''),
  off: jailsmith(t, 'off', 'discover: false\n'),
  jk: jailkit(t),
}));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`;
/** Rows for bench/run.mjs: per part and way, programs that work and the median build time. */
const benchRows = [];
for (const held of [false, true]) {
  const part = rows.filter((r) => (r.t.heldOut === true) === held);
  console.log(`\n${held ? 'held out' : 'corpus'} (${part.length} programs)`);
  for (const k of ['on', 'off', 'jk']) {
    const works = part.filter((r) => r[k].verdict === 'works').length;
    const wrong = part.filter((r) => r[k].verdict === 'wrong').length;
    const name = {
      on: 'jailsmith, discovery on',
      off: 'jailsmith, discover: false',
      jk: "jailkit's sections",
    }[k];
    console.log(
      `  ${name.padEnd(28)} ${String(works).padStart(2)} work, ${wrong} silently wrong; median ${mib(median(part.map((r) => r[k].bytes)))}, median build ${median(part.map((r) => r[k].ms)).toFixed(0)} ms`,
    );
    benchRows.push({
      tool: `${held ? 'held out' : 'corpus'}: ${name}, ${works}/${part.length} work, ${wrong} wrong, median ${mib(median(part.map((r) => r[k].bytes)))}`,
      seconds: median(part.map((r) => r[k].ms)) / 1000,
    });
  }
}
console.log('\nper program (on / off / jailkit [section]; sizes on / off / jailkit; build ms on / off):');
for (const r of rows)
  console.log(
    `  ${r.t.heldOut ? '[held out] ' : ''}${r.t.prog}: ${r.on.verdict} / ${r.off.verdict} / ${r.jk.verdict} [${r.jk.section ?? '-'}]; ${mib(r.on.bytes)} / ${mib(r.off.bytes)} / ${mib(r.jk.bytes)}; ${r.on.ms.toFixed(0)} / ${r.off.ms.toFixed(0)} ms`,
  );
const ratios = rows.filter((r) => r.off.bytes > 0).map((r) => r.on.bytes / r.off.bytes);
console.log(
  `\nsize ratio on/off: median ${median(ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)}`,
);
console.log(`BENCH ${JSON.stringify({ name: 'corpus', rows: benchRows })}`);
