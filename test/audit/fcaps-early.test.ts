import { chmodSync, chownSync, copyFileSync, mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { auditJail } from '../../src/audit/audit.js';
import { readFileCaps } from '../../src/audit/fcaps.js';
import { finishFileCaps, startFileCaps } from '../../src/audit/fcaps-early.js';
import { walk } from '../../src/audit/walker.js';
import { isRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireThat, requireTool } from '../helpers/tools.js';

const ready =
  requireThat(isRoot, 'setting file capabilities needs root') &&
  requireTool('setcap', 'libcap2-bin') &&
  requireTool('getfattr', 'attr');

describe.skipIf(!ready)('file capabilities read during the walk', () => {
  it('finds what the walk-first reader finds, odd names included; the audit reports them', async () => {
    const jail = realpathSync(tmpDir('jailsmith-fcaps-early-'));
    mkdirSync(path.join(jail, 'bin'));
    mkdirSync(path.join(jail, 'deep/er'), { recursive: true });
    const put = (p: string | Buffer) => {
      copyFileSync('/bin/true', p);
      return p;
    };
    await execa('setcap', ['cap_net_raw+ep', put(path.join(jail, 'bin/ping'))]);
    await execa('setcap', ['cap_sys_chroot+ep', put(path.join(jail, 'deep/er/capped'))]);
    put(path.join(jail, 'bin/plain'));
    // A name that is not UTF-8: shell printf makes the byte, setcap takes it through argv.
    await execa(
      'sh',
      ['-c', `cp /bin/true "$(printf 'odd\\376')" && setcap cap_sys_admin+ep "$(printf 'odd\\376')"`],
      {
        cwd: jail,
      },
    );
    const walked = walk(jail, [], false);
    const byPath = new Map(walked.entries.map((e) => [e.path, e]));
    const lookup = (p: string) => byPath.get(p);
    const late = await readFileCaps(walked.entries, jail, lookup);
    const early = startFileCaps(jail, [], () => true);
    expect(early).toBeDefined();
    const now = await finishFileCaps(early as NonNullable<typeof early>, jail, lookup);
    expect(now.error).toBeUndefined();
    expect([...now.caps].sort()).toEqual([...late.caps].sort());
    expect([...now.caps.keys()].sort()).toEqual(['/bin/ping', '/deep/er/capped', '/odd\\xfe']);
    const report = await auditJail(jail);
    const capped = report.findings.filter((f) => f.path === '/bin/ping' || f.path === '/deep/er/capped');
    expect(capped.length).toBeGreaterThan(0);
  });

  it('reports capabilities only on files someone could execute with them, whichever reader read them', async () => {
    const jail = realpathSync(tmpDir('jailsmith-fcaps-exec-'));
    const capped = async (name: string, mode: number, uid = 0) => {
      const p = path.join(jail, name);
      copyFileSync('/bin/true', p);
      chmodSync(p, mode);
      chownSync(p, uid, 0);
      await execa('setcap', ['cap_sys_admin+ep', p]);
    };
    await capped('exec-by-all', 0o755);
    await capped('exec-by-owner', 0o700);
    await capped('data-owned-by-root', 0o644); // no x bit, and only root can add one
    await capped('data-owned-by-user', 0o644, 1000); // its owner can chmod +x and run it
    const expected = ['/data-owned-by-user', '/exec-by-all', '/exec-by-owner'];
    const reported = async () =>
      (await auditJail(jail)).findings
        .filter((f) => f.id === 'file-capabilities')
        .map((f) => f.path)
        .sort();
    expect(await reported()).toEqual(expected);
    // The getfattr readers (no perl: an unknown syscall number) read every file: same answer.
    const arch = Object.getOwnPropertyDescriptor(process, 'arch') as PropertyDescriptor;
    Object.defineProperty(process, 'arch', { value: 'unknown-arch' });
    try {
      expect(await reported()).toEqual(expected);
    } finally {
      Object.defineProperty(process, 'arch', arch);
    }
  });

  it('is not used when a mount under the jail is not walked (the walk-first reader names files around it)', () => {
    const m = { mountPoint: '/j/proc', fstype: 'proc' } as Parameters<typeof startFileCaps>[1][number];
    expect(startFileCaps('/j', [m], () => false)).toBeUndefined();
    expect(startFileCaps('/j', [m], () => true)).toBeDefined();
  });
});
