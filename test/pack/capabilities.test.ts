import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { capabilitiesOf } from '../../src/manifest/capabilities.js';
import { manifestOf } from '../../src/manifest/manifest.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';

describeAsRoot('capabilities in the manifest', () => {
  const tmp = tmpDir('jailsmith-caps-');
  it('one getfattr run finds caps on odd names and never follows links', async () => {
    const j = path.join(tmp, 'j');
    mkdirSync(path.join(j, 'bin'), { recursive: true });
    const odd = path.join(j, 'bin', 'pi ng\nx');
    copyFileSync('/bin/true', odd);
    await execa('setcap', ['cap_net_raw+ep', odd]);
    copyFileSync('/bin/true', path.join(j, 'bin/plain'));
    symlinkSync('/nonexistent', path.join(j, 'dangling'));
    // A link to a host file with caps must not lend them to the jail.
    symlinkSync(odd, path.join(j, 'bin/link'));
    const caps = capabilitiesOf(j);
    expect([...caps.keys()]).toEqual(['/bin/pi ng\nx']);
    const e = manifestOf(j).entries.find((x) => x.path === '/bin/pi ng\nx');
    expect(e?.capability).toBe(caps.get('/bin/pi ng\nx'));
    expect(manifestOf(j).entries.filter((x) => x.capability)).toHaveLength(1);
  });
});
