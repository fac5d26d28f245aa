import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceRoot } from '../../src/resolve/source-root.js';
import {
  accountRecords,
  escapeOctal,
  findOnPath,
  groupLine,
  isUsableHash,
  octalMode,
  parseGetfattr,
  parseGroup,
  parsePasswd,
  parseShadow,
  passwdLine,
  setfattrRecord,
  shadowLine,
  unescapeOctal,
  writeFileAtomic,
} from '../../src/sys/index.js';
import { tmpDir } from '../helpers/tmp.js';

describe('account files', () => {
  const passwd =
    'root:x:0:0:root:/root:/bin/sh\n# c\nbad\n\njob:x:1000:1001::/home/job:/bin/sh\nx:x:a:1::/:/bin/sh\n';
  it('typed parsers keep only well-formed lines, with their line numbers', () => {
    expect(parsePasswd(passwd).map((u) => [u.name, u.uid, u.gid, u.line])).toEqual([
      ['root', 0, 0, 1],
      ['job', 1000, 1001, 5],
    ]);
    expect(parseGroup('root:x:0:\nusers:x:100:a,b\nbad:x:y:\n')).toEqual([
      { name: 'root', gid: 0, members: [], line: 1 },
      { name: 'users', gid: 100, members: ['a', 'b'], line: 2 },
    ]);
    expect(parseShadow('root:*::0:99999:7:::\nu:$6$x:1\n').map((s) => [s.name, s.hash])).toEqual([
      ['root', '*'],
      ['u', '$6$x'],
    ]);
  });
  it('raw records keep malformed lines (checks must see them) and comments only when asked', () => {
    expect(accountRecords(passwd).map((r) => r.line)).toEqual([1, 3, 5, 6]);
    expect(accountRecords(passwd, { keepComments: true }).map((r) => r.line)).toEqual([1, 2, 3, 5, 6]);
  });
  it('writes lines the parsers read back', () => {
    const u = { name: 'a', uid: 5, gid: 6, gecos: 'A', home: '/h', shell: '/bin/sh' };
    expect(parsePasswd(passwdLine(u))[0]).toMatchObject(u);
    expect(groupLine({ name: 'g', gid: 6, members: ['a', 'b'] })).toBe('g:x:6:a,b');
    expect(shadowLine('a')).toBe('a:*::0:99999:7:::');
    expect(isUsableHash(parseShadow(shadowLine('a'))[0]?.hash ?? '')).toBe(false);
    expect(isUsableHash('$6$salt$hash')).toBe(true);
    expect(isUsableHash('!$6$salt$hash')).toBe(false);
  });
});

describe('octal escapes and the getfattr dump', () => {
  it('round-trips every byte, UTF-8 or not', () => {
    const name = Buffer.from([0x61, 0x0a, 0x5c, 0x20, 0xff, 0xc3, 0xa9]);
    expect(escapeOctal(name)).toBe('a\\012\\134\\040\\377\\303\\251');
    expect(unescapeOctal(Buffer.from(escapeOctal(name))).equals(name)).toBe(true);
  });
  it('parses names as bytes (latin1 keys) and values as bytes', () => {
    const out = Buffer.concat([
      Buffer.from('# file: /j/a\\012b\nsecurity.capability=0x01AB\n\n# file: /j/'),
      Buffer.from([0xff]),
      Buffer.from('\nuser.other=0x02\nsecurity.capability=0x02\n'),
    ]);
    const m = parseGetfattr(out);
    expect([...m.keys()]).toEqual(['/j/a\nb', `/j/${Buffer.from([0xff]).toString('latin1')}`]);
    expect(m.get('/j/a\nb')?.toString('hex')).toBe('01ab');
  });
  it('a setfattr record reads back through the parser', () => {
    const rec = setfattrRecord('bin/p\\ing', '0100');
    expect([...parseGetfattr(Buffer.from(rec)).keys()]).toEqual(['bin/p\\ing']);
  });
});

describe('modes', () => {
  it('four octal digits of the permission bits', () => {
    expect(octalMode(0o755)).toBe('0755');
    expect(octalMode(0o104755)).toBe('4755');
    expect(octalMode(0)).toBe('0000');
  });
});

describe('PATH inside a root', () => {
  it('finds an executable file through the root’s own links, never the host', () => {
    const r = tmpDir('jailsmith-sys-');
    mkdirSync(path.join(r, 'usr/bin'), { recursive: true });
    symlinkSync('usr/bin', path.join(r, 'bin'));
    writeFileSync(path.join(r, 'usr/bin/tool'), '', { mode: 0o755 });
    writeFileSync(path.join(r, 'usr/bin/data'), '', { mode: 0o644 });
    symlinkSync('/usr/bin/env', path.join(r, 'usr/bin/abs'));
    const root = new SourceRoot(r);
    expect(findOnPath(root, 'tool')).toBe('/usr/bin/tool');
    expect(findOnPath(root, 'data')).toBeNull();
    expect(findOnPath(root, 'data', { exec: false })).toBe('/usr/bin/data');
    expect(findOnPath(root, 'tool', { dirs: ['relative', '/bin/'] })).toBe('/bin/tool');
    expect(findOnPath(root, 'sh')).toBeNull();
  });
});

describe('atomic writes', () => {
  it('replaces the file whole, with the mode asked, and leaves no temporary file', () => {
    const d = tmpDir('jailsmith-sys-');
    const f = path.join(d, 'x.conf');
    writeFileAtomic(f, 'one');
    expect(lstatSync(f).mode & 0o7777).toBe(0o600);
    writeFileAtomic(f, 'two', { mode: 0o644 });
    expect(readFileSync(f, 'utf8')).toBe('two');
    expect(lstatSync(f).mode & 0o7777).toBe(0o644);
    expect(readdirSync(d)).toEqual(['x.conf']);
  });
  it('fails and cleans up when the rename cannot happen', () => {
    const d = tmpDir('jailsmith-sys-');
    mkdirSync(path.join(d, 'dir'));
    writeFileSync(path.join(d, 'dir/x'), '');
    expect(() => writeFileAtomic(path.join(d, 'dir'), 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(d)).toEqual(['dir']);
  });
});
