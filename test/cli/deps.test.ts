import { mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { compileC } from '../helpers/compile.js';
import { tmpDir } from '../helpers/tmp.js';

describe('jailsmith deps', () => {
  const D = tmpDir('jailsmith-deps-cli-');
  const p = (s: string) => path.join(D, s);

  beforeAll(async () => {
    mkdirSync(p('lib'));
    await compileC('int g(void){return 1;}\n', p('lib/libgone.so'), [
      '-shared',
      '-fPIC',
      '-Wl,-soname,libgone.so',
    ]);
    await compileC('int g(void);\nint main(void){return g();}\n', p('needsgone'), [
      `-L${p('lib')}`,
      '-lgone',
    ]);
    rmSync(p('lib/libgone.so'));
    writeFileSync(p('notelf'), 'just text\n');
    writeFileSync(p('truncated'), readFileSync('/bin/ls').subarray(0, 200));
    mkdirSync(p('root/bin'), { recursive: true });
    symlinkSync('/bin/b', p('root/bin/a'));
    symlinkSync('/bin/a', p('root/bin/b'));
  });

  it('--json lists interpreter, closure and missing for /bin/ls', async () => {
    const r = await runCli(['deps', '--json', '/bin/ls']);
    expect(r.exitCode).toBe(0);
    const d = JSON.parse(r.stdout)['/bin/ls'];
    expect(Object.keys(d)).toEqual(['interpreter', 'closure', 'missing']);
    expect(d.missing).toEqual([]);
    expect(realpathSync(d.interpreter)).toBe(realpathSync('/lib64/ld-linux-x86-64.so.2'));
    expect(d.closure.map((f: string) => realpathSync(f))).toContain(
      realpathSync('/lib/x86_64-linux-gnu/libc.so.6'),
    );
  });

  it('text and --tree output', async () => {
    const flat = await runCli(['deps', '/bin/ls']);
    expect(flat.stdout).toMatch(
      /^\/bin\/ls \(interpreter => \/lib64\/ld-linux-x86-64\.so\.2\)\n {4}libselinux\.so\.1 => \S+/,
    );
    const tree = await runCli(['deps', '--tree', '/bin/ls']);
    // libpcre2 is needed by libselinux, so the tree shows it one level deeper.
    expect(tree.stdout).toMatch(/^ {4}libselinux\.so\.1 => \S+\n {8}libpcre2-8\.so\.0 => /m);
  });

  it('a missing library: reported, exit 1', async () => {
    const r = await runCli(['deps', '--json', p('needsgone')]);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)[p('needsgone')].missing).toEqual(['libgone.so']);
    const t = await runCli(['deps', p('needsgone')]);
    expect(t.stdout).toContain('libgone.so => not found');
    expect(t.exitCode).toBe(1);
  });

  const bad: [string, () => string[], RegExp][] = [
    ['a missing file', () => [p('nope')], /^jailsmith: no such file in the root \(.*\/nope\)$/],
    ['a directory', () => [D], /^jailsmith: is a directory, not a file \(.*\)$/],
    ['a non-ELF file', () => [p('notelf')], /^jailsmith: not an ELF file or #! script \(.*\/notelf\)$/],
    ['a truncated ELF', () => [p('truncated')], /^jailsmith: malformed ELF file: .* \(.*\/truncated\)$/],
    [
      'a symlink loop in the root',
      () => ['--root', p('root'), '/bin/a'],
      /^jailsmith: too many levels of symbolic links \(\/bin\/a\)$/,
    ],
    [
      'a root that does not exist',
      () => ['--root', p('noroot'), '/bin/ls'],
      /^jailsmith: source root does not exist: ENOENT \(.*\/noroot\)$/,
    ],
    ['a bad --hwcaps list', () => ['--hwcaps', 'a b', '/bin/ls'], /^jailsmith: --hwcaps takes/],
  ];
  for (const [name, args, line] of bad)
    it(`${name}: one line naming it, exit 2, no stack`, async () => {
      const r = await runCli(['deps', ...args()]);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(line);
    });
});
