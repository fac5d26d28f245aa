import { lstatSync } from 'node:fs';
import path from 'node:path';
import { SpecError } from '../errors.js';
import type { SourceRoot } from '../resolve/index.js';
import { openApk } from './apk.js';
import { openDpkg } from './dpkg.js';
import { openPacman } from './pacman.js';
import { openRpm } from './rpm.js';
import type { InstalledPackage, PackageContents, PackageDb, PackageOptions } from './types.js';

/** Documentation trees left out unless `docs` is asked for. */
export const DOC_DIRS = ['/usr/share/doc', '/usr/share/man', '/usr/share/info'];

export function isDocPath(p: string): boolean {
  return DOC_DIRS.some((d) => p === d || p.startsWith(`${d}/`));
}

/** The root's package database: dpkg, else apk, else pacman, else rpm; a SpecError when it has none. */
export function openPackageDb(root: SourceRoot): PackageDb {
  const db = openDpkg(root) ?? openApk(root) ?? openPacman(root) ?? openRpm(root);
  if (!db)
    throw new SpecError(
      'PACKAGES_NO_DATABASE',
      'the source root has no dpkg, apk, pacman or rpm (SQLite) package database',
      {
        path: root.dir,
        hint: 'packages: needs /var/lib/dpkg/status, /lib/apk/db/installed, /var/lib/pacman/local or /var/lib/rpm/rpmdb.sqlite in the source root',
      },
    );
  return db;
}

/** The named packages and, with `dependencies`, everything they depend on (first installed alternative). */
function closure(
  db: PackageDb,
  names: string[],
  deps: boolean,
  unsatisfied: Set<string>,
): InstalledPackage[] {
  const seen = new Map<string, InstalledPackage>();
  const queue: InstalledPackage[] = [];
  for (const n of names) {
    const pkg = db.lookup(n);
    if (!pkg)
      throw new SpecError('PACKAGE_UNKNOWN', `package ${n} is not installed in the source root`, {
        path: db.path,
        details: { package: n },
      });
    queue.push(pkg);
  }
  while (queue.length > 0) {
    const pkg = queue.shift() as InstalledPackage;
    const key = `${pkg.name}:${pkg.arch ?? ''}`;
    if (seen.has(key)) continue;
    seen.set(key, pkg);
    if (!deps) continue;
    for (const group of pkg.depends) {
      const found = group.map((alt) => db.lookup(alt)).find((p) => p !== undefined);
      if (found) queue.push(found);
      else unsatisfied.add(group.join(' | '));
    }
  }
  return [...seen.values()];
}

/**
 * What the named packages installed in the root, split by kind. Paths are made canonical in their
 * parent (merged-/usr's /bin/bash becomes /usr/bin/bash, with /bin reported in `links`); paths a
 * package listed but that are no longer on disk are skipped.
 */
export function packageContents(root: SourceRoot, names: string[], opts: PackageOptions): PackageContents {
  const db = openPackageDb(root);
  const unsatisfied = new Set<string>();
  const pkgs = closure(db, names, opts.dependencies, unsatisfied);
  const files = new Set<string>();
  const dirs = new Set<string>();
  const links = new Set<string>();
  for (const pkg of pkgs) {
    for (const listed of db.files(pkg)) {
      if (!opts.docs && isDocPath(listed)) continue;
      const parent = root.realpath(path.posix.dirname(listed));
      if (!parent) continue;
      for (const l of parent.links) links.add(l);
      const canon = path.posix.join(parent.path, path.posix.basename(listed));
      if (!opts.docs && isDocPath(canon)) continue;
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(root.host(canon));
      } catch {
        continue;
      }
      if (st.isDirectory()) dirs.add(canon);
      else files.add(canon);
    }
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return {
    packages: pkgs.map((p) => p.name).sort(),
    files: sorted(files),
    dirs: sorted(dirs),
    links: sorted(links),
    unsatisfied: sorted(unsatisfied),
  };
}

/** Every in-root path (files, symlinks and directories) the named packages installed, sorted. */
export function packageFiles(root: SourceRoot, names: string[], opts: PackageOptions): string[] {
  const c = packageContents(root, names, opts);
  return [...new Set([...c.dirs, ...c.files])].sort();
}
