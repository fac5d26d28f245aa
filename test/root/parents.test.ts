import {
  chmodSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
} from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { applyPlan } from '../../src/build/apply.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { dir, gen, plan } from './plans.js';

const tiny = () => plan([dir('/'), dir('/etc'), gen('/etc/motd', 'hi\n')]);

describeAsRoot('missing parents of DIR', () => {
  const base = tmpDir('jailsmith-parents-');

  it('are created root-owned 0755, one by one, whatever the umask', async () => {
    const old = process.umask(0o077);
    try {
      const target = path.join(base, 'srv/jails/python');
      const r = await applyPlan(tiny(), target);
      expect(r.written).toBe(true);
      for (const p of [path.join(base, 'srv'), path.join(base, 'srv/jails')]) {
        const st = lstatSync(p);
        expect(st.isDirectory()).toBe(true);
        expect([st.uid, st.gid, (st.mode & 0o7777).toString(8)]).toEqual([0, 0, '755']);
      }
      expect(existsSync(path.join(target, 'etc/motd'))).toBe(true);
    } finally {
      process.umask(old);
    }
  });

  it('are not created below an unsafe ancestor: refused, nothing made', async () => {
    const open = path.join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await expect(applyPlan(tiny(), path.join(open, 'a/b/jail'))).rejects.toMatchObject({
      code: 'ROOT_UNSAFE_ANCESTOR',
      path: open,
    });
    expect(readdirSync(open)).toEqual([]);
  });

  it('are not created through a symlink someone else owns', async () => {
    const sticky = path.join(base, 'sticky');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    const elsewhere = path.join(base, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, path.join(sticky, 'link'));
    lchownSync(path.join(sticky, 'link'), 1000, 1000);
    await expect(applyPlan(tiny(), path.join(sticky, 'link/new/jail'))).rejects.toMatchObject({
      code: 'ROOT_UNSAFE_ANCESTOR',
      path: path.join(sticky, 'link'),
    });
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('a file in the way is an error, not replaced', async () => {
    await applyPlan(tiny(), path.join(base, 'x'));
    const motd = path.join(base, 'x/etc/motd');
    await expect(applyPlan(tiny(), path.join(motd, 'sub/jail'))).rejects.toMatchObject({
      code: 'ROOT_ANCESTOR_NOT_DIR',
      path: motd,
    });
    expect(readFileSync(motd, 'utf8')).toBe('hi\n');
  });
});
