import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { importJailkit } from '../../src/import/index.js';
import { parseSpec } from '../../src/spec/load.js';
import { runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const STOCK = '/etc/jailkit/jk_init.ini';
const stockSections = (readFileSync(STOCK, 'utf8').match(/^\[([^\]]+)\]/gm) ?? []).map((h) => h.slice(1, -1));

describe('jailkit import (library)', () => {
  let root: string;
  let ini: string;
  beforeAll(() => {
    root = tmpDir();
    for (const d of ['etc', 'usr/bin', 'usr/share/data', 'bin'])
      mkdirSync(path.join(root, d), { recursive: true });
    writeFileSync(path.join(root, 'usr/bin/tool'), '#!/bin/sh\necho\n', { mode: 0o755 });
    writeFileSync(path.join(root, 'usr/bin/lib1.so'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]));
    writeFileSync(path.join(root, 'usr/bin/lib2.so'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]));
    writeFileSync(path.join(root, 'etc/motd'), 'hi\n');
    writeFileSync(path.join(root, 'usr/share/data/x'), 'x\n');
    symlinkSync('/usr/bin/tool', path.join(root, 'bin/tool'));
    writeFileSync(
      path.join(root, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nweb:x:33:33:Web,,,:/var/www:/usr/sbin/nologin\n',
    );
    writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nweb:x:33:web,ghost\nstaff:x:50:\n');
    ini = path.join(root, 'test.ini');
    writeFileSync(
      ini,
      '[base]\nregularfiles = /etc/motd\ndirectories = /usr/share/data\nemptydirs = /tmp/x\n' +
        '[app]\nincludesections = base\nexecutables = tool, nosuch\npaths = /usr/bin/lib*.so, /missing\n' +
        'paths_w_setuid = /bin/tool\ndevices = /dev/null, /dev/urandom\nusers = web\ngroups = 50\n' +
        'need_proc = 1\nneed_logsocket = 1\ntypo = 1\n',
    );
  });
  it('maps each key and notes what it cannot', () => {
    const r = importJailkit(ini, ['app'], { root });
    expect(r.sections).toEqual(['base', 'app']);
    expect(r.spec.source).toBe(root);
    expect(r.spec.binaries).toEqual(['/bin/tool', 'tool']);
    // libraries are not executables: files, whose closure the plan still resolves
    expect(r.spec.files).toEqual(['/etc/motd', '/usr/bin/lib1.so', '/usr/bin/lib2.so']);
    expect(r.spec.trees).toEqual(['/usr/share/data']);
    expect(r.spec.dirs).toEqual([{ path: '/tmp/x', mode: '0755' }]);
    expect(r.spec.devices).toEqual(['null', 'urandom']);
    expect(r.spec.keep_setuid).toEqual(['/bin/tool']);
    expect(r.spec.users).toEqual([
      { name: 'web', uid: 33, gid: 33, home: '/var/www', shell: '/usr/sbin/nologin', gecos: 'Web,,,' },
    ]);
    expect(r.spec.groups).toEqual([
      { name: 'web', gid: 33, members: ['web'] },
      { name: 'staff', gid: 50, members: [] },
    ]);
    const joined = r.notes.join('\n');
    for (const w of ['need_proc', 'need_logsocket', 'typo', 'nosuch', '/missing'])
      expect(joined).toContain(w);
    expect(parse(r.yaml)).toMatchObject({ name: 'app', trees: ['/usr/share/data'] });
  });
  it('prints the same YAML twice (stable order)', () => {
    expect(importJailkit(ini, ['app'], { root }).yaml).toBe(importJailkit(ini, ['app'], { root }).yaml);
  });
});

describe('jailsmith import jailkit (CLI)', () => {
  it.each(stockSections)('imports stock section %s into a valid spec', async (section) => {
    const r = importJailkit(STOCK, [section]);
    const spec = await parseSpec(r.yaml, `${section}.yaml`);
    expect(spec.name).toBe(section);
    expect(r.sections).toContain(section);
  });
  it('imports every stock section at once through the binary', async () => {
    const r = await runCli(['import', 'jailkit', STOCK, ...stockSections]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(parse(r.stdout).binaries).toEqual(expect.arrayContaining(['bash', 'ls']));
    expect(r.stderr).not.toMatch(/internal error|at .*\.js/);
  });
  it('notes need_logsocket on stderr', async () => {
    const r = await runCli(['import', 'jailkit', STOCK, 'logbasics']);
    expect(r.stderr).toContain('need_logsocket');
  });
  it.each([
    ['syntax', '[a]\npaths = /bin/sh\nnot a key value line\n', /line 3/],
    ['cycle', '[a]\nincludesections = b\n[b]\nincludesections = a\n', /cycle: a -> b -> a/],
  ])('bad ini (%s): one line, exit 2', async (_n, text, re) => {
    const f = path.join(tmpDir(), 'bad.ini');
    writeFileSync(f, text);
    const r = await runCli(['import', 'jailkit', f, 'a']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(re);
    expect(lines).toHaveLength(1);
  });
});
