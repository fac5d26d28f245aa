import { readdirSync, readFileSync } from 'node:fs';
import { DPKG_STATUS, openDpkg, type PackageDb } from '../../packages/index.js';
import type { SourceRoot } from '../../resolve/index.js';
import type { PlanContext } from '../context.js';
import { denied } from './candidates.js';

/**
 * The dpkg database seen from discovery: which package owns a file, what a package installed,
 * and which packages it names in Depends, Pre-Depends and Recommends. Only dpkg records file
 * ownership in plain lists; other roots get no package signal (discovery says so in a note).
 */
export interface Owners {
  /** The package (name or name:arch, as its .list is named) that installed `path`, if any. */
  owner(path: string): string | undefined;
  /** In-root paths the package installed, as listed (a bare name covers its name:arch lists). */
  files(pkg: string): string[];
  /** Names of the packages `pkg` depends on or recommends (alternatives all count). */
  related(pkg: string): string[];
}

const INFO = '/var/lib/dpkg/info';

/**
 * Reads every .list once, into one string (a few MB: one search per question is cheaper than
 * a map of every path); the status file, for relations, only when asked. Null when the root
 * has no dpkg database.
 */
export function dpkgOwners(root: SourceRoot): Owners | null {
  const info = root.realpath(INFO);
  if (!info || !root.realpath(DPKG_STATUS)) return null;
  const dir = root.host(info.path);
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.list'))
      .sort();
  } catch {
    return null;
  }
  const parts: string[] = ['\n'];
  const starts: number[] = [];
  const pkgs: string[] = [];
  let at = 1;
  for (const n of names) {
    let text: string;
    try {
      text = readFileSync(`${dir}/${n}`, 'latin1');
    } catch {
      continue; // an unreadable list owns nothing we can show
    }
    if (!text.endsWith('\n')) text += '\n';
    starts.push(at);
    pkgs.push(n.slice(0, -5));
    parts.push(text);
    at += text.length;
  }
  const all = parts.join('');
  const pkgAt = (offset: number): string => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return pkgs[lo] as string;
  };
  let db: PackageDb | null | undefined;
  return {
    owner(path) {
      for (const alias of usrAliases(path)) {
        const i = all.indexOf(`\n${alias}\n`);
        if (i >= 0) return pkgAt(i + 1);
      }
      return undefined;
    },
    files(pkg) {
      // A bare name also finds a Multi-Arch: same package's list (libc6 → libc6:amd64.list).
      const out: string[] = [];
      pkgs.forEach((name, i) => {
        if (name !== pkg && !(name.startsWith(`${pkg}:`) && !pkg.includes(':'))) return;
        for (const l of all.slice(starts[i], starts[i + 1] ?? all.length).split('\n'))
          if (l.startsWith('/') && l !== '/.') out.push(l);
      });
      return out;
    },
    related(pkg) {
      if (db === undefined) {
        try {
          db = openDpkg(root);
        } catch {
          db = null;
        }
      }
      const p = db?.lookup(pkg);
      if (!p) return [];
      return [...new Set([...p.depends, ...(p.recommends ?? [])].flat())];
    },
  };
}

/** dpkg lists a file under the path its package shipped: /bin/tar and /usr/bin/tar are one file. */
export function usrAliases(p: string): string[] {
  const m = /^\/usr(\/(?:s?bin|lib[^/]*)\/.*)$/.exec(p);
  if (m) return [p, m[1] as string];
  if (/^\/(?:s?bin|lib[^/]*)\//.test(p)) return [p, `/usr${p}`];
  return [p];
}

// What a package ships that is not data a program reads at run time.
const NOT_DATA = [
  /^\/usr\/share\/(?:doc|doc-base|man|info|locale|lintian|bug|bash-completion|zsh|fish|pixmaps|icons|applications|menu|mime|gdb|gcc|apport|metainfo|appdata|polkit-1|dbus-1)\//,
  /^\/usr\/lib\/(?:mime|systemd|tmpfiles\.d|sysusers\.d|udev|debug|binfmt\.d)\//,
  /^\/lib\/(?:systemd|udev)\//,
  /^\/etc\/(?:init\.d|init|rc\d\.d|cron\.[a-z]+|cron\.d|logrotate\.d|systemd|bash_completion\.d|profile\.d|default|apparmor\.d|X11|xdg|menu-methods|emacs|update-motd\.d|kernel)\//,
  /^\/usr\/include\//,
  /\/pkgconfig\//,
  /\/cmake\//,
  /\.(?:a|la|h|hpp|pod|pc)$/,
  /^\/(?:usr\/)?(?:s?bin|games|libexec)\//,
];

const LIBRARY_DIR = /^\/(?:usr\/)?lib(?:32|64|x32)?(?:\/[^/]*-linux-gnu[^/]*)?\/[^/]+$/;

/** `p` with its parent directory resolved in the root, its last component kept (a link stays one). */
export function canonicalParent(ctx: PlanContext, p: string): string {
  const i = p.lastIndexOf('/');
  const dir = i > 0 ? ctx.root.realpath(p.slice(0, i))?.path : '/';
  if (!dir) return p;
  return `${dir === '/' ? '' : dir}${p.slice(i)}`;
}

export function isPackageData(p: string): boolean {
  return !NOT_DATA.some((re) => re.test(p)) && !denied(p);
}

/** What a package's data comes to: the files to copy, or why they are not added by guess. */
export interface PackageData {
  files: string[];
  bytes: number;
}

/**
 * The run-time data a package installed: regular, non-executable files (and links to them) that
 * are not documentation, translations, service glue or build files, and that no exclude drops.
 * Executables are not data: a package's programs come in only as helpers, by name.
 */
export function packageData(ctx: PlanContext, owners: Owners, pkg: string): PackageData {
  const out: PackageData = { files: [], bytes: 0 };
  for (const listed of owners.files(pkg)) {
    // As the jail names it: dpkg may list /lib/x/libfoo.so where the root has /lib -> usr/lib.
    const p = canonicalParent(ctx, listed);
    if (!isPackageData(p) || ctx.excluded(p)) continue;
    const real = ctx.root.realpath(p);
    if (!real || denied(real.path)) continue;
    const st = ctx.root.meta(real.path);
    if (st?.kind !== 'file') continue;
    const so = /\.so(?:[.\d]*)$/.test(real.path);
    // A shared object in a library directory is a library: the closure brings the ones loaded.
    if (so && LIBRARY_DIR.test(p)) continue;
    // Shared objects elsewhere are modules a program loads (perl's auto/, an engine); other
    // executables are programs.
    if ((st.mode & 0o111) !== 0 && !so) continue;
    out.files.push(p);
    out.bytes += st.size;
  }
  return out;
}

/**
 * A package's programs that its own data files name as a word (groff's DESC files say
 * "postpro grotty"): the program runs them, but its strings do not say which. Only the data of
 * the program's own package and only programs of that package count; text files up to 256 KiB.
 */
export function programsNamedInData(
  ctx: PlanContext,
  owners: Owners,
  pkg: string,
  self: string,
): { name: string; path: string; file: string }[] {
  const mine = new Map<string, string>();
  for (const p of owners.files(pkg)) {
    const m = /^\/(?:usr\/)?(?:s?bin|games)\/([^/]+)$/.exec(p);
    if (m && m[1] !== self) mine.set(m[1] as string, p);
  }
  if (mine.size === 0) return [];
  const out = new Map<string, { name: string; path: string; file: string }>();
  for (const f of packageData(ctx, owners, pkg).files) {
    const real = ctx.root.realpath(f);
    const st = real ? ctx.root.meta(real.path) : undefined;
    if (!real || !st || st.size > 256 << 10) continue;
    let text: string;
    try {
      text = readFileSync(ctx.root.host(real.path), 'latin1');
    } catch {
      continue;
    }
    if (text.includes('\0')) continue; // not text
    for (const w of text.split(/[^A-Za-z0-9+_.-]+/)) {
      const p = mine.get(w);
      if (p && !out.has(w)) out.set(w, { name: w, path: canonicalParent(ctx, p), file: f });
    }
    if (out.size === mine.size) break;
  }
  return [...out.values()];
}
