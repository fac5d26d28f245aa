/**
 * Where a run's work dir is made: in memory (/dev/shm) unless the caller named a TMPDIR.
 */
import { statfsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';

const STAGE = path.resolve(import.meta.dirname, '../../dist/run/stage.js');

async function parentWith(env: Record<string, string | undefined>): Promise<string> {
  const { TMPDIR: _, ...rest } = process.env;
  const r = await execa(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { workDirParent } from ${JSON.stringify(STAGE)}; console.log(workDirParent());`,
    ],
    { env: { ...rest, ...env }, extendEnv: false },
  );
  return r.stdout;
}

describe('workDirParent', () => {
  it('is /dev/shm, a tmpfs on this machine as on any glibc Linux, when no TMPDIR is set', async () => {
    // The machines the tests run on have one: a missing tmpfs here is a broken setup, not a skip.
    expect(statfsSync('/dev/shm').type).toBe(0x01021994);
    expect(await parentWith({})).toBe('/dev/shm');
  });

  it('is the caller’s TMPDIR when one is set', async () => {
    const dir = tmpDir('jailsmith-workdir-');
    expect(await parentWith({ TMPDIR: dir })).toBe(dir);
  });
});
