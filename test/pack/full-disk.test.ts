/**
 * Faults of the machine are user errors: a full disk under `pack -o` is one line and exit 2 (it was
 * an "internal error... a bug", exit 70), and no half-written file is left behind.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeMiniJail } from '../helpers/mini-jail.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';

describeAsRoot('a full disk', () => {
  const tmp = tmpDir('jailsmith-fulldisk-');
  const jail = path.join(tmp, 'jail');
  const full = path.join(tmp, 'full');

  beforeAll(async () => {
    await makeMiniJail(jail);
    mkdirSync(full);
    const r = await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
  });
  afterAll(async () => {
    const r = await execa('umount', [full], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('pack onto it: one line naming ENOSPC, exit 2, nothing left', async () => {
    const r = await runCli(['pack', jail, '-o', path.join(full, 'jail.tar')]);
    expect(r.exitCode, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^jailsmith: .*ENOSPC/);
    expect(r.stderr).not.toMatch(/internal error|bug/);
    expect(lines.filter((l) => !l.startsWith('hint:'))).toHaveLength(1);
    expect(readdirSync(full)).toEqual([]);
  });
});
