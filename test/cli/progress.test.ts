import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { formatBytes, progressLine, progressReporter } from '../../src/cli/progress.js';
import type { Progress } from '../../src/progress.js';
import { BIN, runCli } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';

/** Runs the binary under script(1): stdout and stderr are one pseudo-terminal, captured raw. */
async function onTerminal(args: string[]): Promise<string> {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const r = await execa('script', ['-qec', cmd, '/dev/null'], { reject: false, env: { TERM: 'xterm' } });
  expect(r.exitCode).toBe(0);
  return String(r.stdout);
}

/** An Io that records the raw status writes; `tty` says whether stderr pretends to be a terminal. */
function fakeIo(tty: boolean, columns = 60): Io & { writes: string[] } {
  const writes: string[] = [];
  return {
    writes,
    out: () => undefined,
    err: () => undefined,
    status: (t) => writes.push(t),
    tty,
    color: false,
    columns,
  };
}

/** A clock the test moves by hand: no timing in the assertions. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('progress reporter', () => {
  it('on a terminal: draws entries, bytes and the current item in place, then clears the line', () => {
    const io = fakeIo(true);
    const c = clock();
    const r = progressReporter(io, { quiet: false }, 'packing', c.now);
    expect(r.onProgress).toBeDefined();
    r.onProgress?.({ entries: 3, bytes: 2048, current: '/usr/bin/python3', totalEntries: 10 });
    expect(io.writes).toEqual(['\r\u001b[Kpacking 3/10 entries, 2.0 KiB  /usr/bin/python3']);
    r.done();
    expect(io.writes.at(-1)).toBe('\r\u001b[K');
  });

  it('redraws at most once per interval: updates in between are dropped, a later one is drawn', () => {
    const io = fakeIo(true);
    const c = clock();
    const r = progressReporter(io, {}, 'building', c.now);
    for (let i = 1; i <= 50; i++) r.onProgress?.({ entries: i, bytes: 0, current: `/f${i}` });
    expect(io.writes).toHaveLength(1);
    c.advance(1_000);
    r.onProgress?.({ entries: 51, bytes: 0, current: '/f51' });
    expect(io.writes).toHaveLength(2);
    expect(io.writes[1]).toContain('building 51 entries  /f51');
  });

  it('cuts a long current item from the start to fit the terminal', () => {
    const line = progressLine('auditing', { entries: 7, bytes: 0, current: `/${'d/'.repeat(100)}end` }, 40);
    expect(line.length).toBeLessThanOrEqual(40);
    expect(line.startsWith('auditing 7 entries  …')).toBe(true);
    expect(line.endsWith('/end')).toBe(true);
  });

  it('is off when stderr is not a terminal or with -q: no callback, nothing written, done() is silent', () => {
    for (const [tty, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      const io = fakeIo(tty);
      const r = progressReporter(io, { quiet }, 'installing');
      expect(r.onProgress).toBeUndefined();
      r.done();
      expect(io.writes).toEqual([]);
    }
  });

  it('done() before any update writes nothing (no stray clear on a fast run)', () => {
    const io = fakeIo(true);
    progressReporter(io, {}, 'building').done();
    expect(io.writes).toEqual([]);
  });

  it('formats byte counts in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});

describeAsRoot('progress through the binary, stderr a pipe', () => {
  const t = tmpDir('jailsmith-cli-progress-');
  const spec = path.join(t, 'sh.yaml');
  writeFileSync(spec, 'name: sh\nbinaries: [/bin/sh]\n');
  const noStatus = (stderr: string) => {
    expect(stderr).not.toContain('\r');
    expect(stderr).not.toContain('\u001b[');
    expect(stderr).not.toMatch(/\d+ entries/);
  };

  it('the library reports running totals to onProgress: build, pack and install', async () => {
    const { buildJail } = await import('../../src/build/build-jail.js');
    const { packJail } = await import('../../src/pack/pack.js');
    const { installPackage } = await import('../../src/pack/install.js');
    const seen: Record<string, Progress[]> = { build: [], pack: [], install: [] };
    const jail = path.join(t, 'lib-jail');
    await buildJail(spec, jail, { onProgress: (p) => seen.build?.push(p) });
    const pkg = path.join(t, 'lib.tar');
    await packJail(jail, pkg, { format: 'tar', setup: false, onProgress: (p) => seen.pack?.push(p) });
    await installPackage(pkg, path.join(t, 'lib-installed'), { onProgress: (p) => seen.install?.push(p) });
    for (const [what, list] of Object.entries(seen)) {
      expect(list.length, what).toBeGreaterThan(3);
      const last = list.at(-1) as Progress;
      expect(last.entries, what).toBe(list.length);
      // /bin/sh and its libraries: real bytes, counted up, never down.
      expect(last.bytes, what).toBeGreaterThan(100_000);
      expect(
        list.every((p, i) => i === 0 || p.bytes >= (list[i - 1] as Progress).bytes),
        what,
      ).toBe(true);
      expect(
        list.some((p) => p.current.startsWith('/bin') || p.current.startsWith('/usr')),
        what,
      ).toBe(true);
    }
  });

  it('on a terminal pack draws its status line and clears it; -q draws none', async () => {
    const jail = path.join(t, 'tty-jail');
    expect((await runCli(['build', spec, jail])).exitCode).toBe(0);
    const shown = await onTerminal(['pack', jail, '-o', path.join(t, 'tty1.tar')]);
    expect(shown).toMatch(/\r\u001b\[Kpacking \d+\/\d+ entries/);
    expect(shown).toMatch(/\r\u001b\[Kpacked /); // cleared before the result line
    const quiet = await onTerminal(['pack', jail, '-o', path.join(t, 'tty2.tar'), '-q']);
    expect(quiet).not.toContain('packing');
  });

  it('build, audit, pack and install print no progress when stderr is not a terminal', async () => {
    const jail = path.join(t, 'jail');
    const b = await runCli(['build', spec, jail]);
    expect(b.exitCode).toBe(0);
    noStatus(b.stderr);
    const a = await runCli(['audit', jail, '--fail-on', 'none']);
    expect(a.exitCode).toBe(0);
    noStatus(a.stderr);
    const pkg = path.join(t, 'sh.tar.gz');
    const p = await runCli(['pack', jail, '-o', pkg]);
    expect(p.exitCode).toBe(0);
    noStatus(p.stderr);
    const i = await runCli(['install', pkg, path.join(t, 'installed')]);
    expect(i.exitCode).toBe(0);
    noStatus(i.stderr);
  });
});
