import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  openPackageDb,
  packageContents,
  parseRpmRequires,
  RPM_SQLITE,
  SqliteFile,
} from '../../src/packages/index.js';
import { SourceRoot } from '../../src/resolve/source-root.js';
import { runCli } from '../helpers/cli.js';
import { buildCli, writeSpec } from '../helpers/distro-jail.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import {
  buildMultilibRpms,
  buildTestRpms,
  copyRoot,
  DBPATH,
  installRoot,
  rpmIn,
  sqlite,
} from './rpm-root.js';

const RPMFILE_GHOST = 1 << 6;
const NO_DEPS = { dependencies: false, docs: false };

describe('rpm requirements', () => {
  it('drops rpmlib() and config(), splits a simple rich or, keeps other rich deps whole', () => {
    const rpmlib = 1 << 24;
    expect(
      parseRpmRequires(
        ['rpmlib(PayloadIsZstd)', 'config(a)', 'libc.so.6()(64bit)', '(a >= 1 or b)', '(a if b)', 'x', 'x'],
        [rpmlib, 0, 0, 0, 0, 0, 0],
      ),
    ).toEqual([['libc.so.6()(64bit)'], ['a', 'b'], ['(a if b)'], ['x']]);
    expect(parseRpmRequires(['(libx.so()(64bit) or liby)'], [])).toEqual([['libx.so()(64bit)', 'liby']]);
    // Requires(post): and a scriptlet's interpreter (INTERP|SCRIPT_POST) are install-time only
    expect(parseRpmRequires(['coreutils', '/bin/sh', 'glibc'], [1 << 10, (1 << 8) | (1 << 10), 0])).toEqual([
      ['glibc'],
    ]);
  });
});

/** What `rpm -ql` lists for a package, minus %ghost files (flags from rpm itself). */
async function rpmFilesOracle(root: string, pkg: string): Promise<string[]> {
  const out = await rpmIn(root, ['-q', '--qf', '[%{FILENAMES}\\t%{FILEFLAGS}\\n]', pkg]);
  const listed = (await rpmIn(root, ['-ql', pkg])).split('\n').filter(Boolean);
  const ghosts = out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'))
    .filter(([, flags]) => (Number(flags) & RPMFILE_GHOST) !== 0)
    .map(([f]) => f);
  expect(ghosts.length).toBeLessThan(listed.length);
  return listed.filter((f) => !ghosts.includes(f)).sort();
}

describeAsRoot('rpm database (SQLite) of a real rpm root', () => {
  const work = tmpDir('jailsmith-rpm-');
  const root = path.join(work, 'root');
  const dbFile = path.join(root, DBPATH, RPM_SQLITE);
  beforeAll(async () => {
    await installRoot(root, await buildTestRpms(path.join(work, 'top')));
  }, 120_000);

  it('reads the same rows as sqlite3, overflow pages included', async () => {
    const oracle = await sqlite(
      path.join(copyRoot(root, path.join(work, 'rows')), DBPATH, RPM_SQLITE),
      'SELECT hnum, hex(blob) FROM Packages ORDER BY hnum',
    );
    const f = new SqliteFile(readFileSync(dbFile), null, dbFile);
    const rows = [...f.rows(f.tableRoot('Packages') as number)];
    expect(rows.map((r) => `${r.rowid}|${(r.values[1] as Buffer).toString('hex').toUpperCase()}`)).toEqual(
      oracle,
    );
    expect(rows.some((r) => (r.values[1] as Buffer).length > f.usable)).toBe(true);
  });

  it('knows the packages rpm -qa knows, by name, name.arch, Provides and owned path', async () => {
    const db = openPackageDb(new SourceRoot(root));
    expect(db.kind).toBe('rpm');
    expect(db.path).toBe(`${DBPATH}/${RPM_SQLITE}`);
    const names = (await rpmIn(root, ['-qa', '--qf', '%{NAME}\\n'])).split('\n').filter(Boolean).sort();
    expect(names).toEqual(['jstest-app', 'jstest-lib', 'jstest-sh']);
    for (const n of names) expect(db.lookup(n)?.name).toBe(n);
    expect(db.lookup('jstest-lib.noarch')?.name).toBe('jstest-lib');
    expect(db.lookup('libjstest.so.1()(64bit)')?.name).toBe('jstest-lib');
    expect(db.lookup('/bin/sh')?.name).toBe('jstest-sh');
    expect(db.lookup('jstest-nothere')).toBeUndefined();
    const provides = (await rpmIn(root, ['-q', '--provides', 'jstest-lib'])).split('\n');
    expect(provides.map((p) => p.split(' ')[0]).sort()).toEqual(
      [...(db.lookup('jstest-lib')?.provides ?? [])].sort(),
    );
  });

  it('lists the files rpm -ql lists, ghosts left out', async () => {
    const db = openPackageDb(new SourceRoot(root));
    for (const n of ['jstest-app', 'jstest-lib', 'jstest-sh']) {
      const pkg = db.lookup(n);
      expect(pkg).toBeDefined();
      expect([...db.files(pkg as never)].sort()).toEqual(await rpmFilesOracle(root, n));
    }
  });

  it('follows Requires (names, Provides, file paths, rich or) like rpm -q --requires says', async () => {
    const db = openPackageDb(new SourceRoot(root));
    const requires = (await rpmIn(root, ['-q', '--requires', 'jstest-app']))
      .split('\n')
      .filter((r) => r !== '' && !r.startsWith('rpmlib(') && !r.startsWith('config('));
    // Requires(post): is for the %post scriptlet, which no jail runs
    expect(requires).toContain('jstest-post-only');
    requires.splice(requires.indexOf('jstest-post-only'), 1);
    const ours = (db.lookup('jstest-app')?.depends ?? []).map((g) =>
      g.length > 1 ? `(${g.join(' or ')})` : g[0],
    );
    // rpm repeats a requirement met twice (Requires: /bin/sh and the %config's); we keep one
    expect(ours.sort()).toEqual([...new Set(requires)].sort());
    const c = packageContents(new SourceRoot(root), ['jstest-app'], { dependencies: true, docs: false });
    expect(c.packages).toEqual(['jstest-app', 'jstest-lib', 'jstest-sh']);
    expect(c.unsatisfied).toEqual([]);
    const want = [
      ...(await rpmFilesOracle(root, 'jstest-app')),
      ...(await rpmFilesOracle(root, 'jstest-lib')),
      ...(await rpmFilesOracle(root, 'jstest-sh')),
    ].filter((f) => !f.startsWith('/usr/share/doc/'));
    expect([...c.dirs, ...c.files].sort()).toEqual(want.sort());
    expect(c.dirs).toEqual(['/usr/lib/jstest', '/usr/lib/jstest/data']);
    expect(c.files).not.toContain('/var/log/jstest.log');
  });

  it('keeps %doc files only with docs, and only the named package without dependencies', () => {
    const r = new SourceRoot(root);
    expect(packageContents(r, ['jstest-app'], NO_DEPS).files).toEqual([
      '/etc/jstest.conf',
      '/usr/bin/jstest',
    ]);
    expect(packageContents(r, ['jstest-app'], { dependencies: false, docs: true }).files).toEqual([
      '/etc/jstest.conf',
      '/usr/bin/jstest',
      '/usr/share/doc/jstest-app/README',
    ]);
  });

  it('reads a database rpm left in WAL mode with live frames, dropping uncommitted ones', async () => {
    const live = copyRoot(root, path.join(work, 'wal'));
    const db = path.join(live, DBPATH, RPM_SQLITE);
    // two transactions kept in the WAL: sqlite3 neither checkpoints nor removes it on close
    await sqlite(
      db,
      '.dbconfig no_ckpt_on_close on',
      'PRAGMA journal_mode=WAL;',
      'PRAGMA wal_autocheckpoint=0;',
      "DELETE FROM Packages WHERE hnum = (SELECT hnum FROM Name WHERE key = 'jstest-sh');",
      'INSERT INTO Packages SELECT 90, blob FROM Packages WHERE hnum = (SELECT min(hnum) FROM Packages);',
    );
    const wal = `${db}-wal`;
    expect(statSync(wal).size).toBeGreaterThan(32);
    const oracle = await rpmIn(copyRoot(live, path.join(work, 'wal-oracle')), ['-qa', '--qf', '%{NAME}\\n']);
    expect(oracle).not.toMatch(/jstest-sh/);
    const sr = new SourceRoot(live);
    expect(openPackageDb(sr).lookup('jstest-sh')).toBeUndefined();
    expect(openPackageDb(sr).lookup('/bin/sh')).toBeUndefined();
    const rowsOf = (w: boolean) => {
      const f = new SqliteFile(readFileSync(db), w ? readFileSync(wal) : null, db);
      return [...f.rows(f.tableRoot('Packages') as number)].map((r) => r.rowid);
    };
    const oracleRows = await sqlite(
      path.join(copyRoot(live, path.join(work, 'wal-rows')), DBPATH, RPM_SQLITE),
      'SELECT hnum FROM Packages ORDER BY hnum',
    );
    expect(rowsOf(true).map(String)).toEqual(oracleRows);
    expect(rowsOf(false)).toHaveLength(3);
    // cut the last frame: the second transaction is no longer committed, so it does not count
    truncateSync(wal, statSync(wal).size - 1);
    const cut = await sqlite(
      path.join(copyRoot(live, path.join(work, 'wal-cut')), DBPATH, RPM_SQLITE),
      'SELECT hnum FROM Packages ORDER BY hnum',
    );
    expect(rowsOf(true).map(String)).toEqual(cut);
    expect(cut).toHaveLength(2);
    // a first frame whose salt is not the header's (a WAL restarted over old frames): none count
    const w = readFileSync(wal);
    w.writeUInt32BE((w.readUInt32BE(16) ^ 1) >>> 0, 32 + 8);
    writeFileSync(wal, w);
    expect(rowsOf(true)).toEqual(rowsOf(false));
  });

  it("prefers the root's own arch among co-installed multilib packages", async () => {
    const ml = path.join(work, 'multilib');
    const [i686, x86] = await buildMultilibRpms(path.join(work, 'top-ml'));
    await installRoot(ml, [i686]); // installed first: the lower hnum
    await installRoot(ml, [x86]);
    expect((await rpmIn(ml, ['-q', '--qf', '%{ARCH}\\n', 'jstest-ml'])).split('\n')).toEqual([
      'i686',
      'x86_64',
    ]);
    // the root's arch comes from its dynamic loader's ELF header
    mkdirSync(path.join(ml, 'lib64'));
    copyFileSync('/lib64/ld-linux-x86-64.so.2', path.join(ml, 'lib64/ld-linux-x86-64.so.2'));
    const db = openPackageDb(new SourceRoot(ml));
    expect(db.lookup('jstest-ml')?.arch).toBe('x86_64');
    expect(db.files(db.lookup('jstest-ml') as never)).toEqual([
      '/usr/lib/jstest-ml-x86_64',
      '/usr/lib/jstest-ml-x86_64/arch',
    ]);
    expect(db.lookup('jstest-ml.i686')?.arch).toBe('i686');
    expect(db.lookup('/usr/lib/jstest-ml-i686/arch')?.arch).toBe('i686');
  }, 60_000);

  it('builds a jail whose manifest lists exactly the packages files', async () => {
    const spec = writeSpec(work, 'rpm-app', { source: root, packages: ['jstest-app'], dependencies: true });
    const jail = path.join(work, 'jail');
    await buildCli(spec, jail);
    const m = await runCli(['manifest', jail, '--json']);
    expect(m.exitCode, m.stderr).toBe(0);
    const entries = JSON.parse(m.stdout).entries as { path: string; type: string; target: string | null }[];
    const want = [
      ...(await rpmFilesOracle(root, 'jstest-app')),
      ...(await rpmFilesOracle(root, 'jstest-lib')),
      ...(await rpmFilesOracle(root, 'jstest-sh')),
    ].filter((f) => !f.startsWith('/usr/share/doc/') && !lstatSync(path.join(root, f)).isDirectory());
    const nonDirs = entries.filter((e) => e.type !== 'dir');
    // plus the account files every build writes (a root entry is always present)
    expect(nonDirs.map((e) => e.path).sort()).toEqual(
      [...want, '/etc/group', '/etc/passwd', '/etc/shadow'].sort(),
    );
    expect(nonDirs.find((e) => e.path === '/usr/lib/jstest/libjstest.so')).toMatchObject({
      type: 'symlink',
      target: 'libjstest.so.1',
    });
    const dirs = entries.filter((e) => e.type === 'dir').map((e) => e.path);
    expect(dirs).toEqual(expect.arrayContaining(['/usr/lib/jstest', '/usr/lib/jstest/data']));
    expect(dirs.some((d) => d.startsWith('/usr/share/doc') || d.startsWith('/var/log'))).toBe(false);
  }, 60_000);
});
