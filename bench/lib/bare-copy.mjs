// The floor of any Node.js program for a cold build: `node bare-copy.mjs PLAN.json DIR [THREADS]`
// makes the plan's directories and symlinks and copies its files (fs.copyFileSync, the in-kernel
// copy jailsmith uses too), in plan order, and nothing else: no spec, no plan check, no owner,
// mode, size or identity check, no state file, no staging tree to swap in. With THREADS 2 a
// worker thread copies beside the main one, taking whole directories from a shared counter (two
// threads in one directory queue on its lock). speed.mjs times it beside `jailsmith build` and
// `cp -a`, so a run shows how much of the gap to cp is Node's and how much is jailsmith's.
import * as fs from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const { COPYFILE_EXCL } = fs.constants;

/** The plan's files grouped by directory, biggest group first (the best split over threads). */
function fileGroups(entries) {
  const byDir = new Map();
  for (const e of entries) {
    if (e.type !== 'file') continue;
    const dir = e.path.slice(0, e.path.lastIndexOf('/'));
    if (!byDir.has(dir)) byDir.set(dir, []);
    byDir.get(dir).push(e);
  }
  return [...byDir.values()].sort((a, b) => b.length - a.length);
}

function copyGroups(root, groups, control) {
  for (;;) {
    const g = Atomics.add(control, 0, 1);
    if (g >= groups.length) return;
    for (const e of groups[g]) fs.copyFileSync(e.source, root + e.path, COPYFILE_EXCL);
  }
}

if (isMainThread) {
  const [planFile, root, threads = '1'] = process.argv.slice(2);
  const entries = JSON.parse(fs.readFileSync(planFile, 'utf8')).entries;
  const control = new Int32Array(new SharedArrayBuffer(4));
  const helper =
    threads === '2'
      ? new Worker(new URL(import.meta.url), { workerData: { planFile, root, control } })
      : null;
  fs.mkdirSync(root);
  for (const e of entries) {
    if (e.type === 'dir' && e.path !== '/') fs.mkdirSync(root + e.path);
    else if (e.type === 'symlink') fs.symlinkSync(e.target, root + e.path);
    else if (e.type === 'file' && helper === null) fs.copyFileSync(e.source, root + e.path, COPYFILE_EXCL);
  }
  if (helper !== null) {
    const done = new Promise((resolve, reject) => {
      helper.once('exit', resolve);
      helper.once('error', reject);
    });
    helper.postMessage('directories made');
    copyGroups(root, fileGroups(entries), control);
    await done;
  }
} else {
  const { planFile, root, control } = workerData;
  const groups = fileGroups(JSON.parse(fs.readFileSync(planFile, 'utf8')).entries);
  parentPort.once('message', () => {
    copyGroups(root, groups, control);
    process.exit(0);
  });
}
