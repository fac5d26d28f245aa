import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scriptCommands } from '../../src/plan/discover/helpers.js';
import { interpreterProfiles } from '../../src/plan/discover/interpreters.js';
import { isPackageData } from '../../src/plan/discover/packages.js';
import { runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireThat, requireTool, toolPath } from '../helpers/tools.js';

interface Entry {
  path: string;
  type: string;
  why?: string;
}

/** The package, interpreter and helper signals of discovery, on real Debian programs. */
describe('discovery: packages, interpreters, helpers', () => {
  const dir = tmpDir('discover-pkg-');
  let n = 0;
  const plan = async (text: string) => {
    const f = path.join(dir, `d${++n}.yaml`);
    writeFileSync(f, text);
    const r = await runCli(['plan', f, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as { entries: Entry[]; notes: string[] };
    return { by: new Map(p.entries.map((e) => [e.path, e.why ?? ''])), notes: p.notes };
  };

  it("reads a script's commands, not its quoted text, comments or builtins", () => {
    const script = [
      '#!/bin/sh',
      '# gzip is mentioned here only',
      'usage="Usage: $0',
      'sort the input; then tar it"',
      'case $1 in',
      '--help) printf \'%s\\n\' "$usage"; exit;;',
      'esac',
      'LC_ALL=C exec gzip -cd "$@" | sed -e s/x/y/ && command -v awk >/dev/null',
      'x=$(uname -s) `basename "$0"`',
    ].join('\n');
    // `command -v awk` only looks awk up.
    expect(scriptCommands(script)).toEqual(['gzip', 'sed', 'uname', 'basename']);
  });

  it('package data leaves out documentation, translations, service glue, programs and secrets', () => {
    for (const p of [
      '/usr/share/doc/tar/copyright',
      '/usr/share/man/man1/tar.1.gz',
      '/usr/share/locale/de/LC_MESSAGES/tar.mo',
      '/etc/init.d/ssh',
      '/usr/lib/systemd/system/x.service',
      '/usr/bin/troff',
      '/usr/include/stdio.h',
      '/etc/ssl/private/key.pem',
    ])
      expect(isPackageData(p), p).toBe(false);
    for (const p of ['/usr/share/units/definitions.units', '/usr/share/groff/1.22.4/font/devascii/DESC'])
      expect(isPackageData(p), p).toBe(true);
  });

  it('knows the interpreters of its profiles by their programs, not by a list of names in code', () => {
    expect(interpreterProfiles(['/usr/bin/python3', '/usr/bin/python3.11'])).toEqual(['python3']);
    expect(interpreterProfiles(['/usr/bin/ruby', '/usr/bin/ruby3.1'])).toEqual(['ruby']);
    expect(interpreterProfiles(['/usr/bin/tclsh8.6'])).toEqual(['tcl']);
    expect(interpreterProfiles(['/usr/bin/date'])).toEqual([]);
  });

  it.skipIf(!requireTool('units', 'units'))(
    'units gets the data files of its package, saying which package owns it',
    async () => {
      const { by } = await plan('binaries: [units]\n');
      expect(by.get('/usr/share/units/definitions.units')).toMatch(
        /^discover: (?:data of package units owns \/usr\/bin\/units|the string)/,
      );
      // Documentation of the same package stays out.
      expect([...by.keys()].some((p) => p.startsWith('/usr/share/doc/units'))).toBe(false);
    },
  );

  it("a package's libraries are not its data, and its data comes by canonical paths", async () => {
    const { by } = await plan('binaries: [bash]\n');
    for (const [p, why] of by) {
      if (!/^discover: (?:data of|helper)/.test(why)) continue;
      // libtinfo6 also ships libtic: a library no one loads here, not data.
      expect(p, why).not.toMatch(/^\/(?:usr\/)?lib(?:64)?\/(?:[^/]*-linux-gnu\/)?[^/]+\.so[.\d]*$/);
      // dpkg lists /bin/rbash; the jail names it where the root has it.
      expect(p, why).not.toMatch(/^\/(?:bin|sbin|lib|lib64)\//);
    }
  });

  it('zcat, a shell script, gets gzip, the program it runs', async () => {
    const { by } = await plan('binaries: [zcat]\n');
    expect(by.get('/usr/bin/gzip')).toBe(
      'discover: helper /usr/bin/gzip: the script /usr/bin/zcat runs gzip',
    );
  });

  it.skipIf(!requireTool('groff', 'groff-base'))(
    "groff gets troff (its strings) and grotty (its package's data), programs of its own package",
    async () => {
      const { by } = await plan('binaries: [groff]\n');
      expect(by.get('/usr/bin/troff')).toMatch(
        /"troff" in \/usr\/bin\/groff, which imports exec\w*, is a program of package groff-base/,
      );
      expect(by.get('/usr/bin/grotty')).toMatch(
        /"grotty" in \/usr\/share\/groff\/.*\/DESC, data of package groff-base/,
      );
    },
  );

  it.skipIf(!requireTool('git', 'git'))(
    "a word in a program's strings that names an unrelated program is not a helper",
    async () => {
      const { by } = await plan('binaries: [git]\n');
      // git's strings say "cat", "chmod" and "java"; none is a program of git or of what it depends on.
      for (const p of ['/usr/bin/cat', '/usr/bin/chmod', '/usr/bin/perl']) expect(by.has(p), p).toBe(false);
    },
  );

  it.skipIf(!requireThat(toolPath('ruby') !== null, 'ruby is not installed', 'apt-get install ruby'))(
    'ruby gets its standard library from the ruby profile; with interpreters off, a hint names it',
    async () => {
      const { by } = await plan('binaries: [ruby]\n');
      const json = [...by].find(([p]) => /^\/usr\/lib\/ruby\/[\d.]+\/json\.rb$/.test(p));
      expect(json?.[1]).toMatch(
        /^discover: profile ruby because \/usr\/bin\/ruby[\d.]* is an interpreter of profile ruby$/,
      );
      const off = await plan('binaries: [ruby]\ndiscover: [locale, paths]\n');
      expect([...off.by.keys()].some((p) => p.endsWith('/json.rb'))).toBe(false);
      expect(off.notes).toContainEqual(
        expect.stringMatching(
          /^hint: \/usr\/bin\/ruby[\d.]* is an interpreter of profile ruby: .*to add it: profiles: \[ruby\]/,
        ),
      );
    },
  );
});
