import { copyFileSync, mkdirSync, realpathSync } from 'node:fs';
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

  it('is not used when a mount under the jail is not walked (the walk-first reader names files around it)', () => {
    const m = { mountPoint: '/j/proc', fstype: 'proc' } as Parameters<typeof startFileCaps>[1][number];
    expect(startFileCaps('/j', [m], () => false)).toBeUndefined();
    expect(startFileCaps('/j', [m], () => true)).toBeDefined();
  });
});
