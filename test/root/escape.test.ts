import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeEach, expect, it } from 'vitest';
import { applyPlan } from '../../src/build/apply.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { basicPlan, makeOutside, snapshot } from './plans.js';

/**
 * One regression test per escape class: an existing jail with something planted in it that points
 * outside. Every rebuild must leave the outside tree exactly as it was (existence, content, mode,
 * owner) and end with a jail holding real directories where the plan says so.
 */
describeAsRoot('build never writes outside DIR through planted links', () => {
  const base = tmpDir('jailsmith-escape-');
  let n = 0;
  let outside: string;
  let jail: string;
  let src: string;

  beforeEach(async () => {
    const t = path.join(base, String(n++));
    mkdirSync(t, { mode: 0o755 });
    outside = makeOutside(path.join(t, 'outside'));
    jail = path.join(t, 'jail');
    src = path.join(t, 'src');
    await applyPlan(basicPlan(src), jail);
  });

  /** Replaces a jail directory by a symlink, rebuilds with a changed plan, checks the outside. */
  async function plantAndRebuild(plant: () => void): Promise<void> {
    const before = snapshot(outside);
    plant();
    const r = await applyPlan(basicPlan(src, 'v2'), jail);
    expect(r.written).toBe(true);
    expect(snapshot(outside)).toEqual(before);
    for (const d of ['etc', 'tmp', 'usr/lib', 'home/jail']) {
      expect(lstatSync(path.join(jail, d)).isDirectory()).toBe(true);
    }
    expect(readFileSync(path.join(jail, 'etc/version'), 'utf8')).toBe('v2\n');
    expect(readFileSync(path.join(jail, 'etc/passwd'), 'utf8')).toMatch(/^root:x:0:0/);
  }

  const swapForLink = (rel: string, target: string): void => {
    rmSync(path.join(jail, rel), { recursive: true });
    symlinkSync(target, path.join(jail, rel));
  };

  it('etc is an absolute symlink to outside', async () => {
    await plantAndRebuild(() => swapForLink('etc', path.join(outside, 'etc')));
  });

  it('tmp is a symlink to outside', async () => {
    await plantAndRebuild(() => swapForLink('tmp', path.join(outside, 'tmp')));
  });

  it('a library directory is a symlink to outside', async () => {
    await plantAndRebuild(() => swapForLink('usr/lib', path.join(outside, 'lib')));
  });

  it('a preserved home directory is a symlink to outside: not followed, not kept', async () => {
    const before = snapshot(outside);
    swapForLink('home/jail', path.join(outside, 'home'));
    const r = await applyPlan(basicPlan(src, 'v2'), jail);
    expect(r.notes.join('\n')).toMatch(/home\/jail is not a real directory/);
    expect(snapshot(outside)).toEqual(before);
    const st = lstatSync(path.join(jail, 'home/jail'));
    expect(st.isDirectory()).toBe(true);
    expect([st.uid, st.mode & 0o7777]).toEqual([1000, 0o750]);
  });

  it('a relative ../../.. link that climbs out of the jail', async () => {
    const rel = path.relative(jail, path.join(outside, 'etc'));
    await plantAndRebuild(() => swapForLink('etc', `../../../../../../../../..${path.resolve('/', rel)}`));
    expect(rel.startsWith('..')).toBe(true);
  });

  it('a chain of two links (etc -> hop -> outside)', async () => {
    await plantAndRebuild(() => {
      symlinkSync(path.join(outside, 'etc'), path.join(jail, 'hop'));
      swapForLink('etc', 'hop');
    });
  });

  it('a link inside the preserved home pointing outside is kept as a link, never followed', async () => {
    const before = snapshot(outside);
    symlinkSync(path.join(outside, 'home'), path.join(jail, 'home/jail/out'));
    writeFileSync(path.join(jail, 'home/jail/notes'), 'mine\n');
    await applyPlan(basicPlan(src, 'v2'), jail);
    expect(snapshot(outside)).toEqual(before);
    expect(lstatSync(path.join(jail, 'home/jail/out')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(jail, 'home/jail/notes'), 'utf8')).toBe('mine\n');
  });

  it('a hard link from the jail to an outside file: the outside inode is never written', async () => {
    await plantAndRebuild(() => {
      rmSync(path.join(jail, 'etc/version'));
      linkSync(path.join(outside, 'etc/version'), path.join(jail, 'etc/version'));
    });
  });

  it('a FIFO where a file should be neither blocks nor is written', async () => {
    await plantAndRebuild(() => {
      rmSync(path.join(jail, 'etc/passwd'));
      execFileSync('mkfifo', [path.join(jail, 'etc/passwd')]);
    });
  });

  it('a leftover name beside DIR that is a link to outside is neither followed nor removed', async () => {
    const before = snapshot(outside);
    const planted = path.join(path.dirname(jail), '.jail.jailsmith-old-abc123');
    symlinkSync(outside, planted);
    rmSync(jail, { recursive: true });
    await applyPlan(basicPlan(src, 'v2'), jail);
    expect(snapshot(outside)).toEqual(before);
    expect(lstatSync(planted).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(jail, 'etc/version'), 'utf8')).toBe('v2\n');
  });

  it('links swapped in while builds run (race), by root and by the jail user', async () => {
    const before = snapshot(outside);
    // Root swaps system directories; uid 1000 swaps what it owns (its data dir, its home's contents).
    const rootLoop = `
      while :; do
        for d in etc usr/lib tmp; do
          rm -rf "$J/$d" 2>/dev/null; ln -s "$O/$d" "$J/$d" 2>/dev/null
          rm -f "$J/$d" 2>/dev/null; mkdir "$J/$d" 2>/dev/null
          ln -s "../../../../../../../../..$O/$d" "$J/$d/x" 2>/dev/null
        done
      done`;
    const userLoop = `
      while :; do
        rm -rf "$J/srv/data/d" "$J/home/jail/d" 2>/dev/null
        ln -s "$O/home" "$J/srv/data/d" 2>/dev/null; ln -s "$O/etc" "$J/home/jail/d" 2>/dev/null
        rm -f "$J/srv/data/d" "$J/home/jail/d" 2>/dev/null
        mkdir "$J/srv/data/d" "$J/home/jail/d" 2>/dev/null
      done`;
    const env = { J: jail, O: outside };
    const racers = [
      execa('sh', ['-c', rootLoop], { env, reject: false }),
      execa('sh', ['-c', userLoop], { env, reject: false, uid: 1000, gid: 1000 }),
    ];
    try {
      for (let i = 0; i < 12; i++) {
        await applyPlan(basicPlan(src, `race-${i}`), jail);
      }
    } finally {
      for (const r of racers) r.kill('SIGKILL');
      await Promise.allSettled(racers);
    }
    expect(snapshot(outside)).toEqual(before);
    // After the racers stop, one more build yields a clean jail.
    await applyPlan(basicPlan(src, 'final'), jail);
    expect(readFileSync(path.join(jail, 'etc/version'), 'utf8')).toBe('final\n');
    expect(lstatSync(path.join(jail, 'etc')).isDirectory()).toBe(true);
  });

  it('a jail directory whose own path is a symlink is refused', async () => {
    const before = snapshot(outside);
    const link = path.join(path.dirname(jail), 'jail-link');
    symlinkSync(path.join(outside, 'etc'), link);
    await expect(applyPlan(basicPlan(src), link)).rejects.toMatchObject({ code: 'ROOT_DIR_SYMLINK' });
    expect(snapshot(outside)).toEqual(before);
  });

  it('a jail renamed aside and replaced by a link to outside between builds', async () => {
    const before = snapshot(outside);
    renameSync(jail, `${jail}.moved`);
    symlinkSync(outside, jail);
    await expect(applyPlan(basicPlan(src, 'v2'), jail)).rejects.toMatchObject({ code: 'ROOT_DIR_SYMLINK' });
    expect(snapshot(outside)).toEqual(before);
    chmodSync(outside, 0o755);
  });
});
