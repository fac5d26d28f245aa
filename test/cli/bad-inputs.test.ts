import { closeSync, copyFileSync, mkdirSync, openSync, readdirSync, readSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

/**
 * A sample of bad inputs across commands, through the built binary: each must be an input error
 * (exit 2), say so in one first line `jailsmith: ...` naming the thing, show no stack, and leave
 * no file behind (the whole scratch directory is compared before and after).
 */
describe('bad inputs: exit 2, one line naming the thing, no stack, nothing written', () => {
  const t = tmpDir('jailsmith-cli-bad-');
  const f = (name: string, text: string | Buffer): string => {
    const p = path.join(t, name);
    writeFileSync(p, text);
    return p;
  };
  const out = (name: string) => path.join(t, name);
  const anyDir = path.join(t, 'a-dir');
  mkdirSync(anyDir);
  const dirNamedTar = path.join(t, 'existing.tar');
  mkdirSync(dirNamedTar);
  const ok = f('ok.yaml', 'name: ok\nbinaries: [/bin/sh]\n');
  f('cycle-a.yaml', 'name: a\ninclude: [cycle-b.yaml]\n');
  f('cycle-b.yaml', 'name: b\ninclude: [cycle-a.yaml]\n');
  const elf = path.join(t, 'sh-copy');
  copyFileSync('/bin/sh', elf);
  // The first 100 bytes of a real ELF: a valid header whose program headers lie past the end.
  const truncated = f('truncated.elf', readHead(elf, 100));

  const cases: [string, string[], RegExp][] = [
    ['a missing spec', ['plan', out('nope.yaml')], /nope\.yaml/],
    [
      'malformed YAML',
      ['build', f('bad.yaml', 'name: x\nbinaries: [/bin/sh\n'), out('j1')],
      /YAML.*bad\.yaml/,
    ],
    ['an unknown key', ['build', f('unknown.yaml', 'name: x\nbinarys: [/bin/sh]\n'), out('j2')], /"binarys"/],
    [
      'a missing binary',
      ['build', f('missing.yaml', 'name: x\nbinaries: [/usr/bin/no-such-program-x]\n'), out('j3')],
      /no-such-program-x/,
    ],
    ['a .. path', ['build', f('dotdot.yaml', 'name: x\nfiles: [/etc/../../x]\n'), out('j4')], /\.\./],
    ['an include cycle', ['build', path.join(t, 'cycle-a.yaml'), out('j5')], /include cycle.*cycle-a\.yaml/],
    ['a truncated ELF to deps', ['deps', truncated], /ELF.*truncated\.elf/],
    ['a missing audit target', ['audit', out('no-jail')], /no-jail/],
    ['a directory as the spec', ['build', anyDir, out('j6')], /directory.*a-dir/],
    [
      'garbage JSON as a saved plan',
      ['build', f('garbage.json', '{"format": 1, "entries": 5'), out('j7')],
      /not valid JSON.*garbage\.json/,
    ],
    [
      'a saved plan of an unknown format',
      ['build', f('plan9.json', JSON.stringify({ format: 9, entries: [] })), out('j8')],
      /plan format 9.*plan9\.json/,
    ],
    ['an unreadable signing key', ['pack', anyDir, '-o', out('p1.tar'), '--sign', out('no.key')], /no\.key/],
    ['a garbage trust key', ['verify', out('p.tar'), '--trust', ok], /PEM.*ok\.yaml/],
    ['an output name with no format', ['pack', anyDir, '-o', out('p2.zip')], /p2\.zip/],
    ['an output that is a directory', ['pack', anyDir, '-o', dirNamedTar], /directory.*existing\.tar/],
    ['a bad --format', ['pack', anyDir, '-o', out('p3'), '--format', 'zip'], /format.*zip/],
    [
      'a truncated package',
      ['install', f('trunc.tar.gz', Buffer.from([0x1f, 0x8b, 8, 0])), out('i1')],
      /trunc\.tar\.gz/,
    ],
    ['a tar that is not a package', ['install', f('plain.tar', Buffer.alloc(1024)), out('i2')], /plain\.tar/],
    ['a script into a missing directory', ['script', ok, '-o', path.join(t, 'no-dir', 's.sh')], /s\.sh/],
    ['a key prefix in a missing directory', ['keygen', '-o', path.join(t, 'no-dir', 'k')], /no-dir/],
    ['a bad --limit value', ['run', anyDir, '--limit', 'mem=lots', '--', '/bin/true'], /--limit mem.*lots/],
    ['a bad --limit name', ['run', anyDir, '--limit', 'stack=2', '--', '/bin/true'], /--limit.*stack/],
    [
      'a --limit that does not parse',
      ['run', anyDir, '--limit', 'mem=lots', '--', '/bin/true'],
      /--limit mem.*lots/,
    ],
    ['a relative --tmpfs', ['run', anyDir, '--tmpfs', 'home', '--', '/bin/true'], /--tmpfs.*absolute/],
    [
      'a bad --uid-range',
      ['run', anyDir, '--uid-range', '9-1', '--', '/bin/true'],
      /--uid-range.*FIRST-LAST/,
    ],
    ['a bad --bind', ['run', anyDir, '--bind', 'nowhere', '--', '/bin/true'], /--bind.*nowhere/],
    [
      'a .. in a --bind target',
      ['run', anyDir, '--bind', `${t}:/../x`, '--', '/bin/true'],
      /--bind.*'\.\.'.*\/\.\.\/x/,
    ],
    ['a directory that is not a jail', ['run', anyDir, '--', '/bin/true'], /not a jail.*a-dir/],
    ['a bad --fail-on', ['audit', anyDir, '--fail-on', 'severe'], /--fail-on.*severe/],
    ['an unknown audit id in --allow', ['audit', anyDir, '--allow', 'no-such-check'], /no-such-check/],
    ['a non-numeric --pid', ['audit', '--pid', 'abc'], /process id/],
    ['a missing jailkit ini', ['import', 'jailkit', out('no.ini'), 'basicshell'], /no\.ini/],
    ['a binary file as a jailkit ini', ['import', 'jailkit', elf, 'basicshell'], /sh-copy/],
    ['a file to manifest', ['manifest', ok], /not a directory.*ok\.yaml/],
    ['a bad --hwcaps', ['deps', '--hwcaps', '!!', '/bin/sh'], /--hwcaps.*!!/],
    ['a directory to deps', ['deps', anyDir], /directory.*a-dir/],
  ];

  it.each(cases)('%s', async (_what, args, names) => {
    const before = listing(t);
    const r = await runCli(args);
    expect(r.exitCode, r.stderr).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^jailsmith: \S/);
    expect(lines[0]).toMatch(names);
    expect(
      lines.slice(1).every((l) => l.startsWith('hint: ')),
      r.stderr,
    ).toBe(true);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(listing(t)).toEqual(before);
  });

  it('--debug shows the stack of an input error anyway', async () => {
    const r = await runCli(['plan', out('nope.yaml'), '--debug']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^jailsmith: .*nope\.yaml/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

/** Every path under `dir`, sorted: what "nothing written" is checked against. */
function listing(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

function readHead(file: string, n: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(n);
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}
