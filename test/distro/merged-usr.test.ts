import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeSpec } from '../helpers/distro-jail.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireThat } from '../helpers/tools.js';

const hostBinLink = (() => {
  try {
    return readlinkSync('/bin');
  } catch {
    return null;
  }
})();

describe.skipIf(!requireThat(hostBinLink !== null, 'the host has a merged /usr (/bin is a link)'))(
  'merged /usr layout',
  () => {
    const work = tmpDir('jailsmith-merged-');
    const entries = async (spec: Record<string, unknown>, name: string) => {
      const r = await runCli(['plan', writeSpec(work, name, spec), '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      return new Map(
        (JSON.parse(r.stdout).entries as { path: string; type: string; target?: string }[]).map((e) => [
          e.path,
          e,
        ]),
      );
    };

    it('mirrors /bin -> usr/bin when the jail holds usr/bin, whatever name the spec used', async () => {
      const e = await entries({ binaries: ['bash'] }, 'by-name');
      expect(e.get('/bin')).toMatchObject({ type: 'symlink', target: hostBinLink });
      expect(e.get('/usr/bin/bash')?.type).toBe('file');
    });

    it('keeps /bin a directory when the spec states something under it', async () => {
      const e = await entries(
        { binaries: ['bash'], files: [{ path: '/bin/hello', content: 'hi\n' }] },
        'stated',
      );
      expect(e.get('/bin')?.type).toBe('dir');
      expect(e.get('/bin/hello')?.type).toBe('generated');
    });
  },
);
