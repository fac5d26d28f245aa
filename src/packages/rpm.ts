import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { detectArch } from '../distro/index.js';
import { SpecError } from '../errors.js';
import type { SourceRoot } from '../resolve/index.js';
import { parseRpmRequires } from './deps.js';
import { RpmHeader, RpmHeaderError, TAG } from './rpm-header.js';
import { SqliteFile } from './sqlite.js';
import type { InstalledPackage, PackageDb } from './types.js';

/** Where rpm keeps its database: Fedora 36+ under /usr/lib/sysimage (with /var/lib/rpm a link). */
export const RPM_DB_DIRS = ['/usr/lib/sysimage/rpm', '/var/lib/rpm'];
export const RPM_SQLITE = 'rpmdb.sqlite';

/** %ghost files are listed by rpm but not put on disk by it. */
const RPMFILE_GHOST = 1 << 6;

export interface RpmRecord extends InstalledPackage {
  /** name-[epoch:]version-release.arch, for messages. */
  nevra: string;
  paths: string[];
}

/** One Packages row's header → the package, its non-ghost files and what it provides. */
export function rpmRecord(h: RpmHeader): RpmRecord | null {
  const name = h.string(TAG.NAME);
  if (!name) return null;
  const arch = h.string(TAG.ARCH);
  const epoch = h.ints(TAG.EPOCH)[0];
  const nevra = `${name}-${epoch ? `${epoch}:` : ''}${h.string(TAG.VERSION) ?? ''}-${h.string(TAG.RELEASE) ?? ''}${arch ? `.${arch}` : ''}`;
  return {
    name,
    arch,
    nevra,
    depends: parseRpmRequires(h.strings(TAG.REQUIRENAME), h.ints(TAG.REQUIREFLAGS)),
    provides: h.strings(TAG.PROVIDENAME),
    paths: rpmFiles(h),
  };
}

/** File paths: DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or OLDFILENAMES; ghosts left out. */
export function rpmFiles(h: RpmHeader): string[] {
  const base = h.strings(TAG.BASENAMES);
  let all: string[];
  if (base.length > 0) {
    const dirs = h.strings(TAG.DIRNAMES);
    const idx = h.ints(TAG.DIRINDEXES);
    if (idx.length !== base.length) throw new RpmHeaderError('DIRINDEXES and BASENAMES differ in length');
    all = base.map((b, i) => {
      const d = dirs[idx[i] as number];
      if (d === undefined) throw new RpmHeaderError(`dir index ${idx[i]} out of range`);
      return d + b;
    });
  } else all = h.strings(TAG.OLDFILENAMES);
  const flags = h.ints(TAG.FILEFLAGS);
  return all
    .filter((_, i) => ((flags[i] ?? 0) & RPMFILE_GHOST) === 0)
    .map((p) => (p.length > 1 ? p.replace(/\/+$/, '') : p));
}

/** Host path of a regular file resolved inside the root, or null. */
function fileInRoot(root: SourceRoot, inRoot: string): string | null {
  const real = root.realpath(inRoot);
  return real && root.kind(real.path) === 'file' ? root.hostOfReal(real.path) : null;
}

/** Reads a database file resolved inside the root; null when absent or not a regular file. */
function readInRoot(root: SourceRoot, inRoot: string): { host: string; bytes: Buffer } | null {
  const host = fileInRoot(root, inRoot);
  if (!host) return null;
  // realpath resolved every link inside the root; O_NOFOLLOW keeps a link swapped in since out
  const fd = openSync(host, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return { host, bytes: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

function unsupported(root: SourceRoot, dir: string, file: string, format: string): never {
  throw new SpecError(
    'PACKAGES_RPMDB_UNSUPPORTED',
    `the rpm database is in ${format} format; only the SQLite rpmdb (rpm 4.16+) is read: convert it with rpm --rebuilddb --define '_db_backend sqlite'`,
    { path: root.host(`${dir}/${file}`), details: { format } },
  );
}

/** The rpm database of a root, or null when it has none; old Berkeley DB and ndb are refused. */
export function openRpm(root: SourceRoot): PackageDb | null {
  for (const dir of RPM_DB_DIRS) {
    const db = readInRoot(root, `${dir}/${RPM_SQLITE}`);
    if (!db) continue;
    const wal = readInRoot(root, `${dir}/${RPM_SQLITE}-wal`);
    const file = new SqliteFile(db.bytes, wal?.bytes ?? null, db.host);
    return rpmDb(file, `${dir}/${RPM_SQLITE}`, detectArch(root));
  }
  for (const dir of RPM_DB_DIRS) {
    // Only named: a Berkeley DB is often hundreds of MB, and we read none of it.
    if (fileInRoot(root, `${dir}/Packages.db`)) unsupported(root, dir, 'Packages.db', 'ndb (SUSE)');
    if (fileInRoot(root, `${dir}/Packages`))
      unsupported(root, dir, 'Packages', 'Berkeley DB (RHEL 8 and older)');
  }
  return null;
}

/** detectArch's names → rpm's for the same machine. */
const RPM_ARCHES: Record<string, string[]> = {
  i386: ['i386', 'i486', 'i586', 'i686'],
  armhf: ['armv7hl', 'armv7hnl', 'armv7l'],
};

/**
 * Co-installed arches (multilib glibc.x86_64 and glibc.i686): the root's own arch and noarch come
 * first; without a known arch, the most common one among the installed packages.
 */
function preferNative(records: RpmRecord[], arch: string | null): RpmRecord[] {
  let native = arch;
  if (!native) {
    const counts = new Map<string, number>();
    for (const r of records)
      if (r.arch && r.arch !== 'noarch') counts.set(r.arch, (counts.get(r.arch) ?? 0) + 1);
    native = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
  }
  const same = RPM_ARCHES[native ?? ''] ?? [native];
  const rank = (r: RpmRecord) => (r.arch === null || r.arch === 'noarch' || same.includes(r.arch) ? 0 : 1);
  return [...records].sort((a, b) => rank(a) - rank(b));
}

/**
 * Reads every Packages row; lookups by name, name.arch, provided name, or an owned file path.
 * nativeArch (uname -m style, as detectArch gives it) decides between co-installed arches.
 */
export function rpmDb(file: SqliteFile, inRootPath: string, nativeArch: string | null = null): PackageDb {
  const rootPage = file.tableRoot('Packages');
  if (rootPage === null) file.fail('it has no Packages table');
  const records: RpmRecord[] = [];
  for (const row of file.rows(rootPage)) {
    const blob = row.values[1];
    if (!Buffer.isBuffer(blob)) file.fail(`Packages row ${row.rowid} holds no header blob`);
    try {
      const rec = rpmRecord(new RpmHeader(blob));
      if (rec) records.push(rec);
    } catch (e) {
      if (e instanceof RpmHeaderError) file.fail(`rpm header of Packages row ${row.rowid}: ${e.message}`);
      throw e;
    }
  }
  const byName = new Map<string, RpmRecord>();
  const providers = new Map<string, RpmRecord>();
  const ordered = preferNative(records, nativeArch);
  for (const r of ordered) {
    if (!byName.has(r.name)) byName.set(r.name, r);
    if (r.arch && !byName.has(`${r.name}.${r.arch}`)) byName.set(`${r.name}.${r.arch}`, r);
    for (const p of r.provides) if (!providers.has(p)) providers.set(p, r);
  }
  let owners: Map<string, RpmRecord> | null = null;
  const owner = (p: string) => {
    if (!owners) {
      owners = new Map();
      for (const r of ordered) for (const f of r.paths) if (!owners.has(f)) owners.set(f, r);
    }
    return owners.get(p);
  };
  return {
    kind: 'rpm',
    path: inRootPath,
    lookup: (name) =>
      byName.get(name) ?? providers.get(name) ?? (name.startsWith('/') ? owner(name) : undefined),
    files: (pkg) => (pkg as RpmRecord).paths ?? [],
  };
}
