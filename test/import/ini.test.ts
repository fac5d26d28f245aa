import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { expandSections, iniList, parseIni } from '../../src/import/index.js';
import { tmpDir } from '../helpers/tmp.js';

describe('jailkit ini parser', () => {
  it('reads sections, both separators, comments, continuations and DEFAULT', () => {
    const ini = parseIni(
      '[DEFAULT]\ncomment = inherited\n# note\n[a]\nPaths = /bin/sh, ls,\n  cat\n; other\nusers: root\n[b]\ncomment = own\n',
      'x.ini',
    );
    const a = ini.sections.get('a');
    expect(iniList(a?.values.get('paths'))).toEqual(['/bin/sh', 'ls', 'cat']);
    expect(a?.values.get('users')?.value).toBe('root');
    expect(a?.values.get('comment')?.value).toBe('inherited');
    expect(ini.sections.get('b')?.values.get('comment')?.value).toBe('own');
  });
  it.each([
    ['[a]\npaths = /x\nthis line has no separator\n', 3],
    ['paths = /x\n[a]\n', 1],
    ['[a]\n[broken\n', 2],
    ['[a]\nx = 1\n[a]\n', 3],
  ])('names the line of a syntax error', (text, line) => {
    expect(() => parseIni(text, 'bad.ini')).toThrow(
      expect.objectContaining({ code: 'INI_SYNTAX', path: `bad.ini:${line}` }),
    );
  });
  it('orders includes first, each once, and names a cycle', () => {
    const ini = parseIni('[a]\nincludesections = b, c\n[b]\nincludesections = c\n[c]\npaths = /x\n', 'i.ini');
    expect(expandSections(ini, ['a']).map((s) => s.name)).toEqual(['c', 'b', 'a']);
    const cyc = parseIni(
      '[a]\nincludesections = b\n[b]\nincludesections = c\n[c]\nincludesections = a\n',
      'c.ini',
    );
    expect(() => expandSections(cyc, ['a'])).toThrow(/a -> b -> c -> a/);
    expect(() => expandSections(cyc, ['a'])).toThrow(SpecError);
    expect(() => expandSections(ini, ['zz'])).toThrow(/no section \[zz\]/);
  });
  it('parses the stock jk_init.ini without error', () => {
    const file = '/etc/jailkit/jk_init.ini';
    const ini = parseIni(readFileSync(file, 'utf8'), file);
    const headers = readFileSync(file, 'utf8').match(/^\[[^\]]+\]/gm) ?? [];
    expect(ini.sections.size).toBe(headers.length);
    expect(ini.sections.size).toBeGreaterThan(20);
  });
  it('reads a file from disk with %% escapes', () => {
    const f = path.join(tmpDir(), 'p.ini');
    writeFileSync(f, '[p]\npaths = /etc/100%%\n');
    expect(parseIni(readFileSync(f, 'utf8'), f).sections.get('p')?.values.get('paths')?.value).toBe(
      '/etc/100%',
    );
  });
});
