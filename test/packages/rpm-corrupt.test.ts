import {
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import {
  openPackageDb,
  RPM_SQLITE,
  RpmHeader,
  RpmHeaderError,
  rpmDb,
  rpmRecord,
  SqliteFile,
} from '../../src/packages/index.js';
import { SourceRoot } from '../../src/resolve/source-root.js';
import { runCli } from '../helpers/cli.js';
import { isOneLineError, writeSpec } from '../helpers/distro-jail.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { buildTestRpms, copyRoot, DBPATH, installRoot, sqlite } from './rpm-root.js';

/** xorshift32: a fixed seed, so every run mutates the same way. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** A copy of buf with a few bytes changed, often in page headers and cell pointers; sometimes cut. */
function mutate(buf: Buffer, rnd: () => number, pageSize: number): Buffer {
  const out = Buffer.from(buf);
  const n = 1 + (rnd() % 8);
  for (let i = 0; i < n; i++) {
    const pages = Math.max(1, Math.floor(out.length / pageSize));
    const at = rnd() % 2 === 0 ? (rnd() % pages) * pageSize + (rnd() % 120) : rnd() % out.length;
    if (at < out.length) out[at] = rnd() & 0xff;
  }
  return rnd() % 16 === 0 ? out.subarray(0, rnd() % out.length) : out;
}

/** Runs fn; passes when it returns or throws the typed error, and says which. */
function typedOrOk(fn: () => void, isTyped: (e: unknown) => boolean): 'ok' | 'typed' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!isTyped(e)) throw e;
    return 'typed';
  }
}

const corrupt = (e: unknown) => e instanceof SpecError && e.code === 'PACKAGES_DB_CORRUPT';

describeAsRoot('rpm database: corrupt, foreign and unsupported input', () => {
  const work = tmpDir('jailsmith-rpmbad-');
  const good = path.join(work, 'good');
  /** A copy of the good root's database with 512-byte pages and 40 rows: interior pages, long overflow chains. */
  const small = path.join(work, 'small');
  const smallDb = path.join(small, DBPATH, RPM_SQLITE);
  beforeAll(async () => {
    await installRoot(good, await buildTestRpms(path.join(work, 'top')));
    const src = path.join(copyRoot(good, path.join(work, 'src')), DBPATH, RPM_SQLITE);
    mkdirSync(path.dirname(smallDb), { recursive: true });
    await sqlite(
      smallDb,
      'PRAGMA page_size=512;',
      `ATTACH '${src}' AS s;`,
      'CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);',
      'WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 12) INSERT INTO Packages SELECT hnum + 100 * i, blob FROM s.Packages, k;',
    );
  }, 120_000);

  const expectCliError = async (root: string, name: string, message: RegExp) => {
    mkdirSync(path.join(root, 'etc'), { recursive: true }); // a root filesystem, as the plan checks
    const spec = writeSpec(work, name, { source: root, packages: ['jstest-app'] });
    const r = await runCli(['plan', spec]);
    expect(isOneLineError(r), r.stderr).toBe(true);
    expect(r.stderr).toMatch(message);
  };

  it('walks interior pages and overflow chains of a 512-byte-page database like sqlite3', async () => {
    const oracle = await sqlite(smallDb, 'SELECT hnum, hex(blob) FROM Packages ORDER BY hnum');
    const f = new SqliteFile(readFileSync(smallDb), null, smallDb);
    const root = f.tableRoot('Packages') as number;
    expect(f.page(root)[0]).toBe(0x05);
    const rows = [...f.rows(root)].map(
      (r) => `${r.rowid}|${(r.values[1] as Buffer).toString('hex').toUpperCase()}`,
    );
    expect(rows).toEqual(oracle);
    expect(openPackageDb(new SourceRoot(small)).lookup('/bin/sh')?.name).toBe('jstest-sh');
  });

  it('refuses a truncated database with a typed error naming the file', async () => {
    const r = copyRoot(good, path.join(work, 'trunc'));
    truncateSync(path.join(r, DBPATH, RPM_SQLITE), 8192);
    expect(() => openPackageDb(new SourceRoot(r))).toThrow(
      expect.objectContaining({ code: 'PACKAGES_DB_CORRUPT', path: path.join(r, DBPATH, RPM_SQLITE) }),
    );
    await expectCliError(r, 'trunc', /unreadable SQLite database: .*past the end of the file.*rpmdb\.sqlite/);
  });

  it('stops at a page-number cycle in the b-tree', async () => {
    const r = copyRoot(small, path.join(work, 'cycle'));
    const db = path.join(r, DBPATH, RPM_SQLITE);
    const bytes = readFileSync(db);
    const root = new SqliteFile(bytes, null, db).tableRoot('Packages') as number;
    bytes.writeUInt32BE(root, (root - 1) * 512 + 8); // the right-most child points back at the root
    writeFileSync(db, bytes);
    expect(() => openPackageDb(new SourceRoot(r))).toThrow(/page cycle/);
    await expectCliError(r, 'cycle', /reached twice \(a page cycle\)/);
  });

  it('refuses an rpm header whose offset lies outside its data', async () => {
    const r = copyRoot(good, path.join(work, 'header'));
    // one entry (NAME, STRING) at offset 100 of a 4-byte data store
    await sqlite(
      path.join(r, DBPATH, RPM_SQLITE),
      "UPDATE Packages SET blob = X'0000000100000004000003E8000000060000006400000001414200FF' WHERE hnum = 1;",
    );
    expect(() => openPackageDb(new SourceRoot(r))).toThrow(
      /rpm header of Packages row 1: tag 1000 has offset 100/,
    );
    await expectCliError(r, 'header', /tag 1000 has offset 100 outside the data/);
  });

  it('refuses a database that is not UTF-8', async () => {
    const r = path.join(work, 'utf16');
    mkdirSync(path.join(r, DBPATH), { recursive: true });
    await sqlite(
      path.join(r, DBPATH, RPM_SQLITE),
      "PRAGMA encoding='UTF-16le';",
      'CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);',
    );
    await expectCliError(r, 'utf16', /text encoding 2 is not UTF-8/);
  });

  it('names the Berkeley DB and ndb formats it does not read', async () => {
    const bdb = path.join(work, 'bdb');
    mkdirSync(path.join(bdb, DBPATH), { recursive: true });
    const page = Buffer.alloc(4096);
    page.writeUInt32LE(0x061561, 12); // Berkeley DB hash magic
    writeFileSync(path.join(bdb, DBPATH, 'Packages'), page);
    expect(() => openPackageDb(new SourceRoot(bdb))).toThrow(
      expect.objectContaining({ code: 'PACKAGES_RPMDB_UNSUPPORTED' }),
    );
    await expectCliError(
      bdb,
      'bdb',
      /rpm database is in Berkeley DB .* only the SQLite rpmdb .* is read.*\/var\/lib\/rpm\/Packages\)$/,
    );
    const ndb = path.join(work, 'ndb');
    mkdirSync(path.join(ndb, '/usr/lib/sysimage/rpm'), { recursive: true });
    writeFileSync(path.join(ndb, '/usr/lib/sysimage/rpm/Packages.db'), 'RpmP');
    await expectCliError(ndb, 'ndb', /ndb \(SUSE\)/);
  });

  it('follows the Fedora link /var/lib/rpm -> /usr/lib/sysimage/rpm, but never out of the root', () => {
    const fedora = copyRoot(good, path.join(work, 'fedora'));
    mkdirSync(path.join(fedora, 'usr/lib/sysimage'), { recursive: true });
    renameSync(path.join(fedora, DBPATH), path.join(fedora, 'usr/lib/sysimage/rpm'));
    symlinkSync('../../usr/lib/sysimage/rpm', path.join(fedora, DBPATH));
    expect(openPackageDb(new SourceRoot(fedora)).path).toBe('/usr/lib/sysimage/rpm/rpmdb.sqlite');
    rmSync(path.join(fedora, 'usr/lib/sysimage/rpm'), { recursive: true });
    // an absolute link to another tree's database resolves inside this root, where nothing is
    symlinkSync(path.join(good, DBPATH), path.join(fedora, 'usr/lib/sysimage/rpm'));
    expect(() => openPackageDb(new SourceRoot(fedora))).toThrow(
      expect.objectContaining({ code: 'PACKAGES_NO_DATABASE' }),
    );
  });

  it('survives mutated databases, WALs and headers with nothing but the typed errors', async () => {
    const rnd = prng(0x5eed);
    const seen = { ok: 0, typed: 0 };
    const base = readFileSync(smallDb);
    for (let i = 0; i < 2000; i++) {
      const buf = mutate(base, rnd, 512);
      const r = typedOrOk(() => {
        const db = rpmDb(new SqliteFile(buf, null, 'fuzz.sqlite'), '/fuzz');
        db.lookup('/bin/sh');
        const app = db.lookup('jstest-app');
        if (app) db.files(app);
      }, corrupt);
      seen[r]++;
    }
    // WAL frames over the 4 KiB database: mutate the log only
    const wal = copyRoot(good, path.join(work, 'fuzz-wal'));
    const walDb = path.join(wal, DBPATH, RPM_SQLITE);
    await sqlite(
      walDb,
      '.dbconfig no_ckpt_on_close on',
      'PRAGMA journal_mode=WAL;',
      'PRAGMA wal_autocheckpoint=0;',
      'INSERT INTO Packages SELECT hnum + 10, blob FROM Packages;',
    );
    const dbBytes = readFileSync(walDb);
    const walBytes = readFileSync(`${walDb}-wal`);
    for (let i = 0; i < 500; i++) {
      const w = mutate(walBytes, rnd, 4096 + 24);
      seen[typedOrOk(() => rpmDb(new SqliteFile(dbBytes, w, 'fuzz.sqlite'), '/fuzz'), corrupt)]++;
    }
    const f = new SqliteFile(base, null, smallDb);
    const blobs = [...f.rows(f.tableRoot('Packages') as number)]
      .slice(0, 3)
      .map((r) => r.values[1] as Buffer);
    const headerSeen = { ok: 0, typed: 0 };
    for (let i = 0; i < 3000; i++) {
      const blob = mutate(blobs[i % blobs.length] as Buffer, rnd, 64);
      headerSeen[
        typedOrOk(
          () => rpmRecord(new RpmHeader(blob)),
          (e) => e instanceof RpmHeaderError,
        )
      ]++;
    }
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.typed).toBeGreaterThan(0);
    expect(headerSeen.ok).toBeGreaterThan(0);
    expect(headerSeen.typed).toBeGreaterThan(0);
  }, 60_000);
});
