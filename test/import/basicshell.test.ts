import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { buildCli, inJail } from '../helpers/distro-jail.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';

describeAsRoot('jailkit basicshell → jail', () => {
  it('imports basicshell and builds a jail where bash runs ls /', async () => {
    const work = tmpDir('jailsmith-jk-');
    const imp = await runCli(['import', 'jailkit', '/etc/jailkit/jk_init.ini', 'basicshell']);
    expect(imp.exitCode, imp.stderr).toBe(0);
    const spec = path.join(work, 'basicshell.yaml');
    writeFileSync(spec, imp.stdout);
    const jail = path.join(work, 'jail');
    await buildCli(spec, jail);
    const r = await inJail(jail, ['/bin/bash', '-c', 'ls /']);
    expect(r.exitCode, r.stderr).toBe(0);
    const listed = r.stdout.split('\n');
    expect(listed).toEqual(expect.arrayContaining(['bin', 'etc', 'usr']));
  });
});
