import { execFileSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { diffCapabilities } from '../../src/build/capability-diff.js';
import type { Diff, Existing } from '../../src/build/compare.js';
import type { PlanEntry } from '../../src/plan/index.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

const NS = 1_000_000n;

describeAsRoot('the capability check of a no-op rebuild', () => {
  const base = tmpDir('jailsmith-caps-skip-');
  let n = 0;

  /** A jail with /bin/tool (no capability), scanned as a no-op build scans it. */
  function jail() {
    const dir = path.join(base, String(n++));
    mkdirSync(path.join(dir, 'bin'), { recursive: true });
    copyFileSync('/bin/true', path.join(dir, 'bin/tool'));
    const scan = (): Map<string, Existing> =>
      new Map(['/', '/bin', '/bin/tool'].map((p) => [p, { target: null, st: lstatSync(path.join(dir, p)) }]));
    const expected = [{ type: 'file', path: '/bin/tool' } as PlanEntry];
    const diff = (): Diff => ({ added: [], changed: [], removed: [], unchanged: ['/', '/bin', '/bin/tool'] });
    return { dir, scan, expected, diff };
  }

  it('trusts a confirmation only for entries unchanged since, and catches a setcap through the ctime', () => {
    requireTool('setcap', 'libcap2-bin');
    const { dir, scan, expected, diff } = jail();
    // A confirmation just late enough for the entries as they are (RACY_NS after the newest).
    const newest = Math.max(...[...scan().values()].map((x) => x.st.ctimeMs));
    const last = { at: BigInt(Math.ceil(newest)) * NS + 2_001n * NS, planned: {} };
    const d1 = diff();
    expect(diffCapabilities(dir, expected, d1, scan(), last)).toBe(last);
    // It covers what it saw: handed the stats taken before a setcap, getfattr is not run.
    const before = scan();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50); // past the clock's tick
    execFileSync('setcap', ['cap_net_raw+ep', path.join(dir, 'bin/tool')]);
    const d2 = diff();
    expect(diffCapabilities(dir, expected, d2, before, last)).toBe(last);
    expect(d2.changed).toEqual([]);
    // A real scan sees the ctime setcap moved past the confirmation: getfattr runs and finds it.
    const d3 = diff();
    expect(diffCapabilities(dir, expected, d3, scan(), last)).toBeUndefined();
    expect(d3.changed).toEqual(['/bin/tool']);
  });

  it('runs getfattr when the planned capabilities differ from the confirmed ones', () => {
    const { dir, scan, expected, diff } = jail();
    const last = { at: BigInt(Date.now()) * NS + 10_000n * NS, planned: { '/bin/tool': 'cap_net_raw=ep' } };
    const d = diff();
    const kept = diffCapabilities(dir, expected, d, scan(), last);
    expect(kept).not.toBe(last);
    // The jail has no capability, the plan none: as planned, but the entries are too new to
    // confirm for next time.
    expect(kept).toBeUndefined();
    expect(d.changed).toEqual([]);
  });

  it('confirms for next time when every entry is old enough', () => {
    const { dir, expected, diff } = jail();
    const old = (): Map<string, Existing> =>
      new Map(['/', '/bin', '/bin/tool'].map((p) => [p, { target: null, st: { ctimeMs: 1000 } as Stats }]));
    const kept = diffCapabilities(dir, expected, diff(), old());
    expect(kept?.planned).toEqual({});
    expect(typeof kept?.at).toBe('bigint');
  });
});
