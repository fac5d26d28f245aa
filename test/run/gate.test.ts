/**
 * The audit gate before a run: one audit per jail state. The verdict is reused while the jail's
 * directories and mounts are as they were, and the jail is audited again once they change.
 */
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, it } from 'vitest';
import { jailDirs, jailStateKey, refuseUnsafeJail } from '../../src/run/gate.js';
import { makeMiniJail } from '../helpers/mini-jail.js';
import { inOwnMountNs } from '../helpers/mount-ns.js';
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
    // While nothing changes, a watch on the directories vouches for the key (dir-watch.ts); a
    // change by another process, or to a directory's mode alone, is still seen at the next run.
    await execa('sh', ['-c', 'cp /bin/sh "$1/deep/er/evil" && chmod 4755 "$1/deep/er/evil"', 'sh', jail]);
    await expect(refuseUnsafeJail(jail)).rejects.toThrow(/refusing a jail .*setuid/);
    rmSync(path.join(jail, 'deep/er/evil'));
    expect(await refuseUnsafeJail(jail)).toEqual({ cached: false });
    expect(await refuseUnsafeJail(jail)).toEqual({ cached: true });
    chmodSync(jail, 0o777);
    await expect(refuseUnsafeJail(jail)).rejects.toThrow(/refusing a jail .*jail-root-unsafe/);
    chmodSync(jail, 0o755);
    expect(await refuseUnsafeJail(jail)).toEqual({ cached: false });

    // A mount under the jail (in a namespace of this test's own, as a host admin's would be).
    const r = await execa(
      ...inOwnMountNs(
        'mount -t tmpfs t "$1"',
        [path.join(jail, 'deep')],
        [
          process.execPath,
          '--input-type=module',
          '-e',
          `import { refuseUnsafeJail } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../dist/run/gate.js'))};` +
            `console.log(JSON.stringify(await refuseUnsafeJail(${JSON.stringify(jail)})));`,
        ],
      ),
      { reject: false },
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ cached: false });
  });

  it('a verdict someone else could have written is not trusted: the jail is audited again', async () => {
    const evil = path.join(base, 'evil');
    await makeMiniJail(evil, ['/bin/sh']);
    copyFileSync('/bin/sh', path.join(evil, 'bin/suid'));
    chmodSync(path.join(evil, 'bin/suid'), 0o4755);
    const gate = path.resolve(import.meta.dirname, '../../dist/run/gate.js');
    // A fresh process each time, so nothing is remembered in memory.
    const check = () =>
      execa(process.execPath, [
        '--input-type=module',
        '-e',
        `import { refuseUnsafeJail } from ${JSON.stringify(gate)};` +
          `try { await refuseUnsafeJail(${JSON.stringify(evil)}); console.log('ran'); } catch (e) { console.log(e.code); }`,
      ]);
    rmSync('/run/jailsmith/audit-gate', { recursive: true, force: true });
    expect((await check()).stdout).toBe('RUN_UNSAFE_JAIL');
    const dir = '/run/jailsmith/audit-gate';
    const [name] = readdirSync(dir);
    const file = path.join(dir, name as string);
    // Forge the cached verdict (same key, no critical finding) and hand the file to another user.
    const forged = { ...JSON.parse(readFileSync(file, 'utf8')), critical: [] };
    writeFileSync(file, JSON.stringify(forged));
    chownSync(file, 65534, 65534);
    expect((await check()).stdout).toBe('RUN_UNSAFE_JAIL');
    // The same forgery in a file of our own would be believed: the ownership is what protects it.
    writeFileSync(file, JSON.stringify(forged));
    chownSync(file, 0, 0);
    expect((await check()).stdout).toBe('ran');
    // A verdict kept under this file name for another jail (names are a hash) is not this one's.
    writeFileSync(file, JSON.stringify({ ...forged, jail: `${evil}-other` }));
    expect((await check()).stdout).toBe('RUN_UNSAFE_JAIL');
    rmSync(dir, { recursive: true, force: true });
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
