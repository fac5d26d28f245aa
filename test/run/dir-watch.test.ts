/**
 * The directory watch the run gate trusts instead of a stat per directory: every kind of change
 * the gate's key sees must set `changed` by the time settleWatches() returns, whoever made it and
 * from wherever in the event loop the check is made.
 */
import { chmodSync, mkdirSync, readFile, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { local, settleWatches, watchDirs } from '../../src/run/dir-watch.js';
import { tmpDir } from '../helpers/tmp.js';

function tree(): { top: string; sub: string } {
  const top = tmpDir('jailsmith-dir-watch-');
  const sub = path.join(top, 'a/b');
  mkdirSync(sub, { recursive: true });
  writeFileSync(path.join(sub, 'f'), 'x');
  return { top, sub };
}

describe('watchDirs', () => {
  it.each([
    ['a new entry, made by another process', (sub: string) => execa('touch', [path.join(sub, 'new')])],
    ['a directory’s mode', (sub: string) => chmodSync(sub, 0o700)],
    ['a rename inside it', (sub: string) => renameSync(path.join(sub, 'f'), path.join(sub, 'g'))],
    ['a file’s content, in place', (sub: string) => writeFileSync(path.join(sub, 'f'), 'y')],
  ])('sees %s', async (_, change) => {
    const { top, sub } = tree();
    const w = watchDirs([top, path.join(top, 'a'), sub], 100);
    expect(w).not.toBeNull();
    await settleWatches();
    expect(w?.changed).toBe(false);
    await change(sub);
    await settleWatches();
    expect(w?.changed).toBe(true);
    w?.close();
  });

  it('sees a change made in an I/O callback just before the check (one loop turn would not)', async () => {
    const { top, sub } = tree();
    const w = watchDirs([top, sub], 100);
    await settleWatches();
    const seen = await new Promise<boolean | undefined>((resolve) =>
      readFile('/proc/self/stat', async () => {
        writeFileSync(path.join(sub, 'late'), 'x');
        await settleWatches();
        resolve(w?.changed);
      }),
    );
    expect(seen).toBe(true);
    w?.close();
  });

  it('gives up (null) rather than watch part of a list', () => {
    const { top, sub } = tree();
    expect(watchDirs([top, sub], 1)).toBeNull();
    expect(watchDirs([top, path.join(top, 'missing')], 10)).toBeNull();
  });

  it('trusts local file systems only', () => {
    expect(local('/dev/shm')).toBe(true);
    expect(local('/proc/self')).toBe(false);
    expect(local('/sys/fs')).toBe(false);
  });
});
