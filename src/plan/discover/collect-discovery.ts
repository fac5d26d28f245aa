import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isElfMagic, readSections } from '../../elf/index.js';
import { type DiscoverySignal, profileNames, STANDARD_DEVICES } from '../../spec/index.js';
import { findOnPath, globRoot } from '../../sys/index.js';
import { applyProfile } from '../collect-profiles.js';
import type { Collector } from '../collector.js';
import { type PlanContext, Rank } from '../context.js';
import type { Copier } from '../copy.js';
import { isModuleTree, judgePath, LIMITS, measure } from './candidates.js';
import { isShellScript, scriptCommands } from './helpers.js';
import { interpreterProfiles } from './interpreters.js';
import { dpkgOwners, type Owners, packageData, programsNamedInData, usrAliases } from './packages.js';
import { deviceStrings, nameStrings, pathStrings } from './strings.js';
import { EXEC_SYMBOLS, SHELL_SYMBOLS, SYMBOL_SIGNALS } from './symbols.js';

/** What a symbol signal adds: a profile (with its nsswitch lines and notes), or in-root globs. */
const ACTIONS: Record<
  Exclude<
    DiscoverySignal,
    'paths' | 'helpers' | 'shell' | 'tmp' | 'devices' | 'package-data' | 'interpreters'
  >,
  { profile?: string; globs?: string[]; fix: string }
> = {
  nss: { profile: 'nss-files', fix: 'profiles: [nss-files]' },
  locale: { profile: 'locale-c-utf8', fix: 'profiles: [locale-c-utf8]' },
  zoneinfo: { profile: 'tzdata', fix: 'profiles: [tzdata]' },
  // The converters' index and the common ones only (the whole directory is 8 MiB; UTF-8,
  // ASCII and Latin-1 are built into libc): other character sets need the gconv profile.
  gconv: {
    globs: [
      'gconv-modules',
      'gconv-modules.cache',
      'gconv-modules.d',
      'UTF-16.so',
      'UTF-32.so',
      'UTF-7.so',
      'ISO8859-15.so',
      'ISO8859-2.so',
      'CP1252.so',
    ].flatMap((n) => [`/usr/lib/*-linux-gnu/gconv/${n}`, `/usr/lib64/gconv/${n}`, `/usr/lib/gconv/${n}`]),
    fix: 'profiles: [gconv]',
  },
  libgcc_s: {
    globs: [
      '/lib/*-linux-gnu/libgcc_s.so.1',
      '/usr/lib/*-linux-gnu/libgcc_s.so.1',
      '/usr/lib64/libgcc_s.so.1',
      '/usr/lib/libgcc_s.so.1',
    ],
    fix: 'files: [/usr/lib/<arch>/libgcc_s.so.1]',
  },
};

// glibc's own objects: their fixed paths (/etc/hosts, /bin/sh, /usr/lib/locale) count only
// through the symbols that use them, or every jail would get all of them.
const GLIBC =
  /\/(?:ld-linux[^/]*|ld-musl[^/]*|lib(?:c|m|dl|rt|pthread|resolv|util|anl|nsl|mvec|BrokenLocale|nss_[a-z]+|thread_db|memusage|SegFault)\.so[.\d]*)$/;

// Entries worth scanning: the programs the spec names and what they load, never whole trees or packages.
const SCANNED = /^(?:binaries: |files: |closure of |discover: )/;

/** Reads at most 64 MiB of a regular file, or undefined (unreadable, not ELF, too big). */
function readElfFile(host: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(host, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 64 || size > 64 << 20) return undefined;
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return isElfMagic(buf) ? buf.subarray(0, got) : undefined;
  } finally {
    closeSync(fd);
  }
}

/** The first 64 KiB of a file as text (a script's code), or undefined. */
function readScript(host: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(host, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(64 << 10);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.toString('latin1', 0, n);
    return isShellScript(text) ? text : undefined;
  } finally {
    closeSync(fd);
  }
}

interface Scan {
  path: string;
  imports: string[];
  paths: string[];
  names: string[];
  devices: string[];
  program: boolean;
  /** A shell script the spec names: the commands it runs (no ELF evidence). */
  commands?: string[];
}

/** State shared by the rounds of one plan: the package database is read once, when first asked. */
interface Round {
  owners: Owners | null | undefined;
  packages: Set<string>;
}

function ownersOf(ctx: PlanContext, r: Round): Owners | null {
  if (r.owners === undefined) r.owners = dpkgOwners(ctx.root);
  return r.owners;
}

/**
 * `discover` (on by default): finds what the programs need beyond their ELF closure, from the
 * symbols they import and the literal paths and program names in their read-only data. A signal
 * the spec turns off still reads its evidence, and says what it would add as a hint.
 */
export const collectDiscovery: Collector = {
  name: 'discover',
  async collect(ctx, copier) {
    const scanned = new Set<string>();
    const r: Round = { owners: undefined, packages: new Set() };
    interpreters(ctx, copier);
    await copier.drain();
    // Two rounds: a helper found in round one (zcat's gzip) is scanned in round two.
    for (let round = 0; round < 2; round++) {
      const scans = scanNew(ctx, scanned);
      if (scans.length === 0) break;
      act(ctx, copier, scans, r);
      await copier.drain();
    }
  },
};

function scanNew(ctx: PlanContext, scanned: Set<string>): Scan[] {
  const out: Scan[] = [];
  for (const e of ctx.entries()) {
    if (e.type !== 'file' || scanned.has(e.path)) continue;
    const why = ctx.whyOf(e.path) ?? '';
    if (!SCANNED.test(why)) continue;
    scanned.add(e.path);
    const buf = readElfFile(e.source);
    if (!buf) {
      const text = why.startsWith('binaries: ') ? readScript(e.source) : undefined;
      if (text)
        out.push({
          path: e.path,
          imports: [],
          paths: [],
          names: [],
          devices: [],
          program: true,
          commands: scriptCommands(text),
        });
      continue;
    }
    let s: ReturnType<typeof readSections>;
    try {
      s = readSections(buf, e.source);
    } catch {
      continue; // a malformed file: the closure already said what it could
    }
    const own = GLIBC.test(e.path);
    out.push({
      path: e.path,
      imports: s.imports,
      paths: own ? [] : pathStrings(s.rodata),
      names: own ? [] : nameStrings(s.rodata),
      devices: own ? [] : deviceStrings(s.rodata),
      program: why.startsWith('binaries: '),
    });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

function act(ctx: PlanContext, copier: Copier, scans: Scan[], r: Round): void {
  const on = new Set(ctx.spec.discover);
  const hint = (evidence: string, what: string, signal: string, fix: string) =>
    ctx.notes.add(
      `hint: ${evidence}: ${what} may be needed, but discover leaves ${signal} off; to add it: ${fix} (or discover: true)`,
    );
  // Symbol signals: the first file (in path order) importing a symbol is the evidence.
  const firstEvidence = new Map<string, string>();
  for (const s of scans) {
    for (const sym of s.imports) {
      const sig = SYMBOL_SIGNALS[sym];
      if (sig && !firstEvidence.has(sig)) firstEvidence.set(sig, `${s.path} imports ${sym}`);
    }
  }
  for (const [sig, evidence] of firstEvidence) {
    if (sig === 'tmp') {
      // mkstemp and tmpfile write under /tmp (or TMPDIR): the jail needs a sticky, writable one.
      if (!on.has('tmp')) hint(evidence, 'a writable /tmp', 'tmp', 'dirs: [{path: /tmp, mode: "1777"}]');
      else if (!ctx.has('/tmp'))
        ctx.add(
          { type: 'dir', path: '/tmp', mode: 0o1777, uid: 0, gid: 0 },
          Rank.copied,
          `discover: /tmp because ${evidence}`,
        );
      continue;
    }
    const a = ACTIONS[sig as keyof typeof ACTIONS];
    if (!on.has(sig)) {
      hint(evidence, a.profile ? `profile ${a.profile}` : sig, sig, a.fix);
      continue;
    }
    if (a.profile) {
      if (ctx.spec.profiles.includes(a.profile)) continue;
      try {
        applyProfile(ctx, copier, a.profile, `discover: profile ${a.profile} because ${evidence}`, false);
      } catch {
        ctx.notes.add(`hint: ${evidence}, but the source root lacks what profile ${a.profile} needs`);
      }
    } else {
      const found = (a.globs ?? []).flatMap((g) => globRoot(ctx.root, g));
      if (found.length === 0) ctx.notes.add(`hint: ${evidence}, but the source root has nothing for ${sig}`);
      for (const f of found) {
        if (!ctx.excluded(f))
          copier.copy(f, { resolve: 'lenient', tree: true, origin: `discover: ${sig} because ${evidence}` });
      }
    }
  }
  for (const s of scans) {
    for (const d of s.devices) {
      const path = `/dev/${d}`;
      const std = STANDARD_DEVICES[d];
      if (!std || ctx.has(path) || ctx.excluded(path)) continue;
      const evidence = `the string "${path}" in ${s.path}`;
      if (!on.has('devices')) hint(evidence, path, 'devices', `devices: [${d}]`);
      else
        ctx.add(
          { type: 'device', device: 'char', path, ...std, mode: 0o666, uid: 0, gid: 0 },
          Rank.copied,
          `discover: ${evidence}`,
        );
    }
    for (const p of s.paths) {
      for (const c of judgePath(ctx, p)) {
        if (c.kind === 'none' || ctx.has(c.path)) continue;
        const evidence = `the string "${p}" in ${s.path}`;
        if (c.kind === 'too-big') {
          if (s.program && on.has('paths') && isModuleTree(c.path, s.path) && moduleFits(ctx, c.path)) {
            copier.copy(c.path, {
              resolve: 'lenient',
              tree: true,
              origin: `discover: the module tree ${evidence}`,
            });
          } else {
            const profile = s.program && isModuleTree(c.path, s.path) ? profileFor(s.path) : undefined;
            const fix = profile ? `profiles: [${profile}]` : `trees: [${c.path}]`;
            ctx.notes.add(`hint: ${evidence} names ${c.what}, not added by guess; if it is needed: ${fix}`);
          }
        } else if (!on.has('paths'))
          hint(evidence, c.path, 'paths', `${c.kind === 'dir' ? 'trees' : 'files'}: [${c.path}]`);
        else
          copier.copy(c.path, {
            resolve: 'lenient',
            tree: c.kind === 'dir',
            origin: `discover: ${evidence}`,
          });
      }
    }
    const shell = s.imports.find((i) => SHELL_SYMBOLS.has(i));
    if (shell && !ctx.has('/bin/sh') && !ctx.excluded('/bin/sh') && ctx.root.realpath('/bin/sh')) {
      const evidence = `${s.path} imports ${shell}, which runs /bin/sh`;
      if (on.has('shell')) copier.copy('/bin/sh', { resolve: 'lenient', origin: `discover: ${evidence}` });
      else hint(evidence, '/bin/sh', 'shell', 'binaries: [/bin/sh]');
    }
    helpers(ctx, copier, s, on.has('helpers'), r);
  }
  packages(ctx, copier, scans, on.has('package-data'), r);
}

/**
 * `helpers`: programs a program runs by name. A script's commands count as they are; an ELF
 * program's whole strings count only when it imports a function that runs programs and the
 * program found on PATH belongs to its own package or to one its package depends on or
 * recommends (needs the dpkg database; elsewhere, nothing).
 */
function helpers(ctx: PlanContext, copier: Copier, s: Scan, on: boolean, r: Round): void {
  if (!s.program) return;
  const self = s.path.slice(s.path.lastIndexOf('/') + 1);
  const found: [string, string][] = [];
  if (s.commands) {
    for (const n of s.commands) {
      const p = n === self ? null : findOnPath(ctx.root, n);
      if (p && !ctx.has(p)) found.push([p, `the script ${s.path} runs ${n}`]);
    }
  } else {
    const runs = s.imports.find((i) => EXEC_SYMBOLS.has(i));
    if (!runs) return;
    const owners = ownersOf(ctx, r);
    const mine = owners?.owner(ctx.root.realpath(s.path)?.path ?? s.path);
    if (!owners || !mine) return;
    const bare = (p: string) => p.replace(/:.*$/, '');
    // The programs of the package and of its relations, by name: a word is looked up on PATH only
    // when one of them has that name, and counts only when PATH finds that very program.
    const kin = new Map<string, string>();
    const names = new Set<string>();
    for (const k of new Set([bare(mine), ...owners.related(mine).map(bare)]))
      for (const f of owners.files(k)) {
        if (!kin.has(f)) kin.set(f, k);
        const m = /^\/(?:usr\/)?(?:s?bin|games)\/([^/]+)$/.exec(f);
        if (m) names.add(m[1] as string);
      }
    for (const n of s.names) {
      if (n === self || !names.has(n)) continue;
      const p = findOnPath(ctx.root, n);
      if (!p || ctx.has(p)) continue;
      const real = ctx.root.realpath(p)?.path ?? p;
      const theirs = [...usrAliases(p), ...usrAliases(real)].map((a) => kin.get(a)).find(Boolean);
      if (theirs)
        found.push([p, `"${n}" in ${s.path}, which imports ${runs}, is a program of package ${theirs}`]);
    }
    for (const h of programsNamedInData(ctx, owners, mine, self)) {
      // Run through PATH: the jail gets the program where PATH finds it, if that is this one.
      const p = findOnPath(ctx.root, h.name);
      if (!p || ctx.has(p) || found.some(([f]) => f === p)) continue;
      if (ctx.root.realpath(p)?.path !== ctx.root.realpath(h.path)?.path) continue;
      found.push([
        p,
        `"${h.name}" in ${h.file}, data of package ${bare(mine)}, names a program of it, and ${s.path} imports ${runs}`,
      ]);
    }
  }
  for (const [path, evidence] of found) {
    if (ctx.excluded(path)) continue;
    if (on) copier.copy(path, { resolve: 'lenient', origin: `discover: helper ${path}: ${evidence}` });
    else
      ctx.notes.add(
        `hint: ${evidence}: ${path} may be needed, but discover leaves helpers off; to add it: binaries: [${path}] (or discover: true)`,
      );
  }
}

/**
 * `package-data`: the run-time data of the packages that own the programs and the libraries
 * they load (not glibc's: its locale, zone and converter data come through symbol signals).
 * A package whose data is past the limits is a hint, not a copy.
 */
function packages(ctx: PlanContext, copier: Copier, scans: Scan[], on: boolean, r: Round): void {
  // The programs (named, or run as helpers) and the libraries they load; not what other signals
  // brought (a gconv module is libc6's, whose data is not every jail's).
  const programs = new Set(
    ctx
      .entries()
      .filter((e) => /^(?:binaries: |discover: helper )/.test(ctx.whyOf(e.path) ?? ''))
      .map((e) => e.path),
  );
  const todo = scans.filter((s) => {
    if (GLIBC.test(s.path)) return false;
    const why = ctx.whyOf(s.path) ?? '';
    return programs.has(s.path) || (why.startsWith('closure of ') && programs.has(why.slice(11)));
  });
  if (todo.length === 0) return;
  const owners = ownersOf(ctx, r);
  if (!owners) return;
  for (const s of todo) {
    const pkg = owners.owner(ctx.root.realpath(s.path)?.path ?? s.path);
    if (!pkg || r.packages.has(pkg)) continue;
    r.packages.add(pkg);
    const name = pkg.replace(/:.*$/, '');
    const data = packageData(ctx, owners, pkg);
    const fresh = data.files.filter((f) => !ctx.has(f));
    if (fresh.length === 0) continue;
    const evidence = `package ${name} owns ${s.path}`;
    if (data.files.length > LIMITS.packageFiles || data.bytes > LIMITS.packageBytes) {
      const profile = s.program ? profileFor(s.path) : undefined;
      ctx.notes.add(
        `hint: ${evidence} and has ${data.files.length} data files (${(data.bytes / 1048576).toFixed(1)} MiB), not added by guess; if they are needed: ${profile ? `profiles: [${profile}]` : `packages: [${name}]`}`,
      );
    } else if (!on)
      ctx.notes.add(
        `hint: ${evidence}: its ${fresh.length} data files may be needed, but discover leaves package-data off; to add them: packages: [${name}] (or discover: true)`,
      );
    else
      for (const f of fresh) copier.copy(f, { resolve: 'lenient', origin: `discover: data of ${evidence}` });
  }
}

/**
 * `interpreters`: a program that is an interpreter a profile knows (its `programs:` globs) gets
 * that profile: its library is computed at run time (python3's sys.prefix), never a string.
 */
function interpreters(ctx: PlanContext, copier: Copier): void {
  const on = ctx.spec.discover.includes('interpreters');
  const files = ctx.entries().filter((e) => e.type === 'file');
  const named = new Set(
    files.filter((e) => (ctx.whyOf(e.path) ?? '').startsWith('binaries: ')).map((e) => e.path),
  );
  for (const e of files) {
    // A program the spec names, or the interpreter of a script it names (the #! line's closure).
    const why = ctx.whyOf(e.path) ?? '';
    if (!named.has(e.path) && !(why.startsWith('closure of ') && named.has(why.slice(11)))) continue;
    const real = ctx.root.realpath(e.path)?.path ?? e.path;
    for (const name of interpreterProfiles([e.path, real])) {
      if (ctx.spec.profiles.includes(name)) continue;
      const evidence = `${e.path} is an interpreter of profile ${name}`;
      if (!on) {
        ctx.notes.add(
          `hint: ${evidence}: its library may be needed, but discover leaves interpreters off; to add it: profiles: [${name}] (or discover: true)`,
        );
        continue;
      }
      try {
        applyProfile(ctx, copier, name, `discover: profile ${name} because ${evidence}`, false);
      } catch {
        ctx.notes.add(`hint: ${evidence}, but the source root lacks what profile ${name} needs`);
      }
    }
  }
}

/** A module tree within the larger limits for interpreters' libraries. */
function moduleFits(ctx: PlanContext, dir: string): boolean {
  const real = ctx.root.realpath(dir);
  if (!real) return false;
  const size = measure(ctx.root.host(real.path), LIMITS.moduleEntries, LIMITS.moduleBytes);
  return size.entries <= LIMITS.moduleEntries && size.bytes <= LIMITS.moduleBytes;
}

/** A ready-made profile for an interpreter (python3.11 → python3), by its name without version. */
function profileFor(program: string): string | undefined {
  const stem = (n: string) => n.replace(/[\d.]+$/, '');
  const base = stem(program.slice(program.lastIndexOf('/') + 1));
  return profileNames().find((n) => stem(n) === base);
}
