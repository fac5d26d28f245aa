/**
 * The audit gate before a run: one audit per jail state. The verdict is reused while the jail's
 * directories and mounts are as they were, and the jail is audited again once they change.
 */
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { jailDirs, jailStateKey, refuseUnsafeJail } from '../../src/run/gate.js';
import { makeMiniJail } from '../helpers/mini-jail.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';

describeAsRoot('the run audit gate', () => {
  const base = tmpDir('jailsmith-gate-');
  const jail = path.join(base, 'jail');

  beforeAll(async () => {
    await makeMiniJail(jail, ['/bin/sh']);
  });

  it('audits once per state: a new file, a new directory or a mount under the jail is seen', async () => {
    rmSync('/run/jailsmith/audit-gate', { recursive: true, force: true });
    expect(await refuseUnsafeJail(jail)).toEqual({ cached: false });
    expect(await refuseUnsafeJail(jail)).toEqual({ cached: true });

    // A setuid-root file dropped in: its directory's times change, so the jail is audited again.
    copyFileSync('/bin/sh', path.join(jail, 'bin/evil'));
    chmodSync(path.join(jail, 'bin/evil'), 0o4755);
    await expect(refuseUnsafeJail(jail)).rejects.toThrow(/refusing a jail .*setuid/);
    // The refusal is cached too, until the state changes again.
    await expect(refuseUnsafeJail(jail)).rejects.toThrow(/refusing a jail/);
    rmSync(path.join(jail, 'bin/evil'));
    expect(await refuseUnsafeJail(jail)).toEqual({ cached: false });

    mkdirSync(path.join(jail, 'deep/er'), { recursive: true });
    expect(await refuseUnsafeJail(jail)).toEqual({ cached: false });
    writeFileSync(path.join(jail, 'deep/er/f'), 'x');
    expect(await refuseUnsafeJail(jail)).toEqual({ cached: false });
    expect(await refuseUnsafeJail(jail)).toEqual({ cached: true });

    // A mount under the jail (in a namespace of this test's own, as a host admin's would be).
    const r = await execa(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount -t tmpfs t ${path.join(jail, 'deep')} && exec "$@"`,
        'sh',
        process.execPath,
        '--input-type=module',
        '-e',
        `import { refuseUnsafeJail } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../dist/run/gate.js'))};` +
          `console.log(JSON.stringify(await refuseUnsafeJail(${JSON.stringify(jail)})));`,
      ],
      { reject: false },
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ cached: false });
  });

  it('the key is the known directories’ stats: one stat each, null once one is gone', () => {
    const dirs = jailDirs(jail);
    expect(dirs[0]).toBe(jail);
    const key = jailStateKey(jail, dirs);
    expect(jailStateKey(jail, dirs)).toBe(key);
    mkdirSync(path.join(jail, 'gone'));
    const withGone = jailDirs(jail);
    rmSync(path.join(jail, 'gone'), { recursive: true });
    expect(jailStateKey(jail, withGone)).toBeNull();
  });
});
