/** One installed package as read from a package database, reduced to what jails need. */
export interface InstalledPackage {
  /** Name as the database knows it (dpkg: without :arch). */
  name: string;
  arch: string | null;
  /** Dependency groups: each inner list is a set of alternatives (`a | b`), names only. */
  depends: string[][];
  /** dpkg Recommends, as dependency groups (discovery's helpers; never followed by `dependencies`). */
  recommends?: string[][];
  /** Names this package provides (virtual packages, apk `so:`/`cmd:` names). */
  provides: string[];
}

/** A package database of one root. */
export interface PackageDb {
  kind: 'dpkg' | 'apk' | 'pacman' | 'rpm';
  /** In-root path of the database (for messages). */
  path: string;
  /** Finds an installed package by name, `name:arch`, or a provided name. */
  lookup(name: string): InstalledPackage | undefined;
  /** In-root paths the package installed, as listed (files and directories). */
  files(pkg: InstalledPackage): string[];
}

export interface PackageOptions {
  /** Follow Depends / Pre-Depends (dpkg), D: (apk), %DEPENDS% (pacman) or Requires (rpm). */
  dependencies: boolean;
  /** Keep /usr/share/doc, man and info. */
  docs: boolean;
}

export interface PackageContents {
  /** Packages whose files are included, sorted. */
  packages: string[];
  /** Non-directory entries (files, symlinks), canonical parent path, sorted. */
  files: string[];
  /** Directories listed by the database, canonical, sorted. */
  dirs: string[];
  /** Symlinks met in the parents of listed paths (merged-/usr /bin, /lib), sorted. */
  links: string[];
  /** Dependency groups no installed package satisfies (reported, not fatal). */
  unsatisfied: string[];
}
