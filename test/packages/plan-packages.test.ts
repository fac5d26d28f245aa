import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeSpec } from '../helpers/distro-jail.js';
import { tmpDir } from '../helpers/tmp.js';

const ALPINE = path.resolve(import.meta.dirname, '../fixtures/alpine-root');

describe('packages: in a plan', () => {
  const work = tmpDir('jailsmith-pkgplan-');
  it('plans the files of an Alpine package, dirs as dirs, docs left out', async () => {
    const spec = writeSpec(work, 'alpine-tz', { source: ALPINE, packages: ['tzdata'], dependencies: true });
    const r = await runCli(['plan', spec, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const entries = JSON.parse(r.stdout).entries as { path: string; type: string }[];
    const byPath = new Map(entries.map((e) => [e.path, e.type]));
    expect(byPath.get('/usr/share/zoneinfo/Europe/Paris')).toBe('file');
    expect(byPath.get('/usr/share/zoneinfo/Europe')).toBe('dir');
    expect(byPath.get('/usr/lib/libz.so.1')).toBe('file');
    expect(byPath.has('/usr/share/doc/tzdata/README')).toBe(false);
    expect(JSON.parse(r.stdout).notes.join('\n')).toMatch(/Alpine Linux v3\.20/);
  });

  it('a dangling symlink a package ships is a note, not a refused plan', async () => {
    const root = path.join(work, 'alpine-dangling');
    cpSync(ALPINE, root, { recursive: true, verbatimSymlinks: true });
    symlinkSync('/etc/nowhere.conf', path.join(root, 'usr/lib/dangling.conf'));
    const db = path.join(root, 'lib/apk/db/installed');
    // zlib's record lists the link beside libz.so.1.
    writeFileSync(db, readFileSync(db, 'utf8').replace('R:libz.so.1\n', 'R:libz.so.1\nR:dangling.conf\n'));
    const spec = writeSpec(work, 'alpine-dangling', { source: root, packages: ['zlib'] });
    const r = await runCli(['plan', spec, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as {
      entries: { path: string; type: string; target?: string }[];
      notes: string[];
    };
    expect(plan.entries.find((e) => e.path === '/usr/lib/dangling.conf')).toMatchObject({
      type: 'symlink',
      target: '/etc/nowhere.conf',
    });
    expect(plan.notes).toContain(
      '/usr/lib/dangling.conf is a dangling symlink in the source root; copied as it is',
    );
  });
});
