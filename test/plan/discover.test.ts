import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSections } from '../../src/elf/index.js';
import { denied } from '../../src/plan/discover/candidates.js';
import { deviceStrings, pathStrings } from '../../src/plan/discover/strings.js';
import { runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

interface Entry {
  path: string;
  type: string;
  why?: string;
}

describe('discovery', () => {
  const dir = tmpDir('discover-');
  let n = 0;
  const plan = async (text: string) => {
    const f = path.join(dir, `d${++n}.yaml`);
    writeFileSync(f, text);
    const r = await runCli(['plan', f, '--json']);
    return {
      r,
      plan: r.exitCode === 0 ? (JSON.parse(r.stdout) as { entries: Entry[]; notes: string[] }) : null,
    };
  };

  it('reads imported symbols and read-only strings from a real program', () => {
    const s = readSections(readFileSync('/usr/bin/date'), '/usr/bin/date');
    expect(s.imports).toContain('localtime');
    expect(s.imports).toContain('setlocale');
    // Defined symbols are not imports: libc defines localtime, it does not import it.
    expect(readSections(readFileSync('/usr/lib/x86_64-linux-gnu/libc.so.6')).imports).not.toContain(
      'localtime',
    );
    expect(
      pathStrings(Buffer.from('\0/etc/magic:/usr/share/misc/magic\0/etc/%s.conf\0/usr/../etc\0relative/x\0')),
    ).toEqual(['/etc/magic', '/usr/share/misc/magic']);
    // Secrets and what jailsmith writes itself are never copied on the strength of a string.
    for (const p of [
      '/etc/shadow',
      '/etc/ssh/ssh_host_ed25519_key',
      '/etc/ssl/private/x.pem',
      '/etc/krb5.keytab',
      '/etc/passwd',
      '/etc/nsswitch.conf',
    ])
      expect(denied(p), p).toBe(true);
    expect(denied('/usr/share/misc/magic')).toBe(false);
    expect(pathStrings(Buffer.from('\0/var/lib/dpkg/status\0'))).toEqual([]);
    expect(deviceStrings(Buffer.from('\0/dev/null\0/dev/sda\0'))).toEqual(['null']);
  });

  it('date gets zoneinfo and the C.UTF-8 locale, each saying which import asked for it', async () => {
    const { plan: p } = await plan('binaries: [date]\n');
    const by = new Map(p?.entries.map((e) => [e.path, e.why]));
    expect(by.get('/usr/share/zoneinfo/Europe/Paris')).toMatch(
      /^discover: profile tzdata because \/usr\/bin\/date imports (localtime|localtime_r|tzset|mktime)$/,
    );
    expect(by.get('/usr/lib/locale/C.utf8/LC_CTYPE')).toMatch(
      /^discover: profile locale-c-utf8 because \/usr\/bin\/date imports setlocale$/,
    );
    // The profiles' own advice is for who chose them, not printed for every discovered jail.
    expect(p?.notes.some((x) => x.startsWith('locale-c-utf8:'))).toBe(false);
  });

  it.skipIf(!requireTool('file'))('file gets its magic database from a string in libmagic', async () => {
    const { plan: p } = await plan('binaries: [file]\n');
    const magic = p?.entries.find((e) => e.path === '/usr/lib/file/magic.mgc');
    expect(magic?.why).toMatch(
      /^discover: the string "\/usr\/share\/misc\/magic" in \/usr\/lib\/.*libmagic\.so\.1/,
    );
  });

  it('discover: false adds nothing and says what it would have, with the one-line fix', async () => {
    const { plan: p } = await plan('binaries: [date]\ndiscover: false\n');
    expect(p?.entries.some((e) => e.why?.startsWith('discover'))).toBe(false);
    expect(p?.notes).toContainEqual(
      expect.stringMatching(
        /^hint: \/usr\/bin\/date imports \w+: profile tzdata may be needed, but discover leaves zoneinfo off; to add it: profiles: \[tzdata\]/,
      ),
    );
  });

  it('a list keeps only the signals it names', async () => {
    const { plan: p } = await plan('binaries: [date]\ndiscover: [locale]\n');
    const whys = p?.entries.map((e) => e.why ?? '') ?? [];
    expect(whys.some((w) => w.includes('profile locale-c-utf8'))).toBe(true);
    expect(whys.some((w) => w.includes('profile tzdata'))).toBe(false);
  });

  it('bad discovery settings: one line, exit 2', async () => {
    for (const [text, msg] of [
      [
        'binaries: [date]\ndiscover: [zonefino]\n',
        'discover[0]: unknown signal "zonefino"; did you mean "zoneinfo"?',
      ],
      [
        'binaries: [date]\ndiscover: []\n',
        'discover: an empty list turns everything off; write discover: false',
      ],
      ['binaries: [date]\ndiscover: [locale, locale]\n', 'discover[1]: "locale" is listed twice'],
    ] as const) {
      const f = path.join(dir, `bad${++n}.yaml`);
      writeFileSync(f, text);
      const r = await runCli(['plan', f]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(msg);
    }
  });
});
