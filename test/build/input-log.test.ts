import fs, { lstatSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Use, withInputLog } from '../../src/build/input-log.js';
import { tmpDir } from '../helpers/tmp.js';

describe('the input log', () => {
  it('notes each path named to fs (named imports too) with how it was used, and unwraps after', async () => {
    const dir = tmpDir('jailsmith-input-log-');
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, 'x');
    const original = fs.lstatSync;
    const { value, log } = await withInputLog(async () => {
      lstatSync(path.join(dir, 'absent'), { throwIfNoEntry: false });
      readdirSync(dir);
      fs.realpathSync.native(file);
      return readFile(file, 'utf8');
    });
    expect(value).toBe('x');
    expect(log.paths.get(path.join(dir, 'absent'))).toBe(Use.lstat);
    expect(log.paths.get(dir)).toBe(Use.list);
    expect(log.paths.get(file)).toBe(Use.follow);
    // Nothing is noted once the run is over, and fs is itself again.
    expect(fs.lstatSync).toBe(original);
    expect(lstatSync).toBe(original);
    const after = path.join(dir, 'later');
    const again = await withInputLog(async () => undefined);
    lstatSync(after, { throwIfNoEntry: false });
    expect(again.log.paths.has(after)).toBe(false);
  });

  it('unwraps when the run throws', async () => {
    const original = fs.readFileSync;
    await expect(
      withInputLog(async () => {
        throw new Error('planning failed');
      }),
    ).rejects.toThrow('planning failed');
    expect(fs.readFileSync).toBe(original);
  });
});
