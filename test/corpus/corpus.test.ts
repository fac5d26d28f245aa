import { describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireThat, toolPath } from '../helpers/tools.js';
import { TASKS } from './programs.js';
import { median, type Outcome, runTask } from './run-corpus.js';

const missing = TASKS.filter((t) => toolPath(t.prog) === null).map((t) => `${t.prog} (${t.pkg})`);

/**
 * The corpus: each program in a jail of `binaries: [PROG]` plus a user, run as that user, with
 * discovery on (the default) and off. Prints the figures; asserts what must hold.
 */
describe.skipIf(
  !(
    isRoot &&
    requireThat(
      missing.length === 0,
      `corpus programs missing: ${missing.join(', ')}`,
      'apt-get install the packages in .ci/apt-packages',
    )
  ),
)('corpus: real programs in jails built from binaries: [PROG]', () => {
  const dir = tmpDir('jailsmith-corpus-');
  const on: Outcome[] = [];
  const off: Outcome[] = [];

  it('runs every task with discovery on and off', { timeout: 600_000 }, async () => {
    for (const t of TASKS) {
      on.push(await runTask(t, dir, 'on'));
      off.push(await runTask(t, dir, 'off', 'discover: false\n'));
    }
    const count = (xs: Outcome[], held: boolean, v = 'works') =>
      xs.filter((o) => o.heldOut === held && o.verdict === v).length;
    const n = (held: boolean) => TASKS.filter((t) => (t.heldOut === true) === held).length;
    const ratios = on.map((o, i) => o.bytes / (off[i] as Outcome).bytes);
    const lines = [
      `corpus (${n(false)} programs): discovery on ${count(on, false)} work, ${count(on, false, 'wrong')} silently wrong; off ${count(off, false)} work, ${count(off, false, 'wrong')} silently wrong`,
      `held out (${n(true)} programs): discovery on ${count(on, true)} work, ${count(on, true, 'wrong')} silently wrong; off ${count(off, true)} work, ${count(off, true, 'wrong')} silently wrong`,
      `jail size: median on ${(median(on.map((o) => o.bytes)) / 1048576).toFixed(1)} MiB, off ${(median(off.map((o) => o.bytes)) / 1048576).toFixed(1)} MiB; median ratio ${median(ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)}`,
      `plan + build time: median on ${median(on.map((o) => o.buildMs)).toFixed(0)} ms (max ${Math.max(...on.map((o) => o.buildMs)).toFixed(0)}), off ${median(off.map((o) => o.buildMs)).toFixed(0)} ms`,
      ...on.map((o, i) => {
        const f = off[i] as Outcome;
        return `  ${o.heldOut ? '[held out] ' : ''}${o.prog}: on ${o.verdict}${o.why ? ` (${o.why})` : ''}; off ${f.verdict}${f.why ? ` (${f.why})` : ''}`;
      }),
    ];
    console.log(lines.join('\n'));
  });

  it('discovery leaves no task silently wrong', () => {
    expect(on.filter((o) => o.verdict === 'wrong').map((o) => `${o.prog}: ${o.why}`)).toEqual([]);
  });

  it('with discovery, at least 90% of the corpus works (held-out programs apart)', () => {
    const main = on.filter((o) => !o.heldOut);
    const failing = main.filter((o) => o.verdict !== 'works').map((o) => `${o.prog}: ${o.why}`);
    expect(main.length - failing.length, failing.join('; ')).toBeGreaterThanOrEqual(
      Math.ceil(main.length * 0.9),
    );
  });

  it('discovery makes more programs work than the closure alone, and breaks none', () => {
    const gained = on.filter((o, i) => o.verdict === 'works' && off[i]?.verdict !== 'works');
    const lost = on.filter((o, i) => o.verdict !== 'works' && off[i]?.verdict === 'works');
    expect(lost.map((o) => o.prog)).toEqual([]);
    expect(gained.length).toBeGreaterThanOrEqual(8);
  });

  it('the median jail grows at most 2x over discovery off', () => {
    const ratios = on.map((o, i) => o.bytes / (off[i] as Outcome).bytes);
    expect(median(ratios)).toBeLessThanOrEqual(2);
  });
});
