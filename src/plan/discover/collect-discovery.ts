import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isElfMagic, readSections } from '../../elf/index.js';
import { type DiscoverySignal, STANDARD_DEVICES } from '../../spec/index.js';
import { globRoot } from '../../sys/index.js';
import { applyProfile } from '../collect-profiles.js';
import type { Collector } from '../collector.js';
import { type PlanContext, Rank } from '../context.js';
import type { Copier } from '../copy.js';
import { helpers } from './act-helpers.js';
import { interpreters } from './act-interpreters.js';
import { packages } from './act-packages.js';
import { isModuleTree, judgePath, LIMITS, measure } from './candidates.js';
import { isShellScript, scriptCommands } from './helpers.js';
import { GLIBC, profileFor } from './known.js';
import type { Round, Scan } from './scan.js';
import { deviceStrings, nameStrings, pathStrings } from './strings.js';
import { SHELL_SYMBOLS, SYMBOL_SIGNALS } from './symbols.js';

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

// Entries worth scanning: the programs the spec names and what they load, never whole trees or packages.
const SCANNED = /^(?:binaries: |files: |closure of |discover: )/;

/** `read` on the open file, or undefined when it cannot be opened. */
function withFile<T>(host: string, read: (fd: number) => T | undefined): T | undefined {
  let fd: number;
  try {
    fd = openSync(host, 'r');
  } catch {
    return undefined;
  }
  try {
    return read(fd);
  } finally {
    closeSync(fd);
  }
}

/** Reads at most 64 MiB of a regular file, or undefined (unreadable, not ELF, too big). */
function readElfFile(host: string): Buffer | undefined {
  return withFile(host, (fd) => {
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
  });
}

/** The first 64 KiB of a file as text (a script's code), or undefined. */
function readScript(host: string): string | undefined {
  return withFile(host, (fd) => {
    const buf = Buffer.alloc(64 << 10);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.toString('latin1', 0, n);
    return isShellScript(text) ? text : undefined;
  });
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

/** A module tree within the larger limits for interpreters' libraries. */
function moduleFits(ctx: PlanContext, dir: string): boolean {
  const real = ctx.root.realpath(dir);
  if (!real) return false;
  const size = measure(ctx.root.host(real.path), LIMITS.moduleEntries, LIMITS.moduleBytes);
  return size.entries <= LIMITS.moduleEntries && size.bytes <= LIMITS.moduleBytes;
}
