import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyPlan } from '../../src/build/index.js';
import { createPlan, summarizePlan } from '../../src/plan/index.js';
import { loadSpec } from '../../src/spec/index.js';
import type { Task } from './programs.js';

const CHROOT = ['/usr/sbin/chroot', '/usr/bin/chroot'].find((p) => existsSync(p)) ?? 'chroot';

export type Verdict = 'works' | 'fails' | 'wrong';

export interface Outcome {
  prog: string;
  heldOut: boolean;
  verdict: Verdict;
  bytes: number;
  /** Milliseconds to plan and build the jail (reported, never asserted). */
  buildMs: number;
  /** First line of stderr (or the output) when it did not work, for the report. */
  why: string;
}

/**
 * Builds `binaries: [PROG]` plus user app (uid 1000) into DIR/PROG-LABEL and runs the task in it
 * as that user with `chroot --userspec`, with nothing from the host's environment but PATH.
 * "wrong" is the silent failure: the program exits as the task expects but prints a wrong answer.
 */
export async function runTask(t: Task, dir: string, label: string, extra = ''): Promise<Outcome> {
  const spec = path.join(dir, `${t.prog}-${label}.yaml`);
  writeFileSync(spec, `binaries: [${t.prog}]\nusers: [{name: app, uid: 1000}]\n${extra}`);
  const started = performance.now();
  const plan = await createPlan(await loadSpec(spec));
  const jail = path.join(dir, `${t.prog}-${label}`);
  await applyPlan(plan, jail);
  const buildMs = performance.now() - started;
  // chroot by its host path: the task's PATH is the jail's, which need not hold /usr/sbin.
  const r = spawnSync(CHROOT, ['--userspec=1000:1000', jail, t.prog, ...t.args], {
    input: t.stdin ?? '',
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...t.env },
    timeout: 30_000,
  });
  const out = r.stdout ?? Buffer.alloc(0);
  const err = r.stderr?.toString() ?? '';
  const right = typeof t.expect === 'string' ? out.toString() === t.expect : t.expect(out, err);
  const status = r.status === (t.status ?? 0);
  const verdict: Verdict = right && status ? 'works' : status ? 'wrong' : 'fails';
  const why =
    verdict === 'works'
      ? ''
      : r.error
        ? String(r.error)
        : (err.trim().split('\n')[0] ?? '') || out.toString().slice(0, 80);
  return {
    prog: t.prog,
    heldOut: t.heldOut === true,
    verdict,
    bytes: summarizePlan(plan).bytes,
    buildMs,
    why,
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
