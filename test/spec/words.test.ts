import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/load.js';
import { splitWords } from '../../src/spec/words.js';

describe('trace command lines become argument vectors, never shell strings', () => {
  it.each([
    ["python3 -c 'import ssl, json'", ['python3', '-c', 'import ssl, json']],
    ['ls  -l\t/etc', ['ls', '-l', '/etc']],
    ['echo "a \\"quoted\\" word" b\\ c', ['echo', 'a "quoted" word', 'b c']],
    ["printf '%s' '$(not run)' '`nor this`'", ['printf', '%s', '$(not run)', '`nor this`']],
    ['prog --opt=1 a#b', ['prog', '--opt=1', 'a#b']],
  ])('%s', (line, words) => {
    expect(splitWords(line)).toEqual(words);
  });

  it.each([
    ['cat /etc/hostname > /dev/null', '>'],
    ['a | b', '|'],
    ['a; b', ';'],
    ['echo $HOME', '$'],
    ['ls *.py', '*'],
    ['echo "$HOME"', 'expansion'],
    ["echo 'open", 'unbalanced'],
    ['LANG=C ls', 'environment assignment'],
    ['', 'empty'],
  ])('%s needs a shell', (line, why) => {
    const r = splitWords(line);
    expect(Array.isArray(r)).toBe(false);
    expect((r as { needsShell: string }).needsShell).toContain(why);
  });

  it('a spec string needing a shell is an error naming the place; shell: true keeps it whole', async () => {
    const err = await parseSpec('name: t\ntrace: ["cat /etc/hostname | wc -l"]\n', '/x/t.yaml').catch(
      (e) => e,
    );
    expect(err.code).toBe('SPEC_VALUE');
    expect(err.message).toContain('trace command needs a shell (the unquoted shell character |)');
    expect(String(err.path)).toContain('t.yaml:2');
    const ok = await parseSpec(
      'name: t\ntrace: [{command: "cat /etc/hostname | wc -l", shell: true}]\n',
      '/x/t.yaml',
    );
    expect(ok.trace).toEqual([{ command: ['cat /etc/hostname | wc -l'], shell: true }]);
  });
});
