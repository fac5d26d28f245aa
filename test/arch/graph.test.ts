/**
 * The folders of src/ form a layered graph: no cycle, only the arrows written below (each with the
 * reason it exists), and every import across folders goes through the target folder's index.ts or
 * names a module that index re-exports, so a folder's public surface is the one its index says. A new arrow is a design decision: add
 * it here with its reason, or move the code.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderCycles, folderOf, importEdges } from './graph.js';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Files at src/ itself that every folder may use: they import nothing of ours. */
const SHARED = new Set(['errors', 'progress', 'version']);

/** Allowed arrows between folders, `from -> to`: reason. */
const ALLOWED: Record<string, string> = {
  'audit -> login': 'the login checks read login jails’ records and sshd rules',
  'audit -> resolve': 'the loader checks resolve ELF dependencies inside the jail',
  'audit -> sys': 'mountinfo, account files, octal modes',
  'build -> login': 'a rebuild keeps the jail’s login users (their record and accounts)',
  'build -> manifest': 'compare and verify a built tree by content',
  'build -> plan': 'build applies plans and re-plans in the makejail loop',
  'build -> resolve': 'the makejail loop asks whether a missed path is in the source root',
  'build -> root': 'plans are written through the root writer and staging',
  'build -> spec': 'build loads the spec it is given',
  'build -> sys': 'atomic state writes, capability text of a rebuild',
  'build -> trace': 'the makejail loop runs the trace commands inside the built jail',
  'cli -> audit': 'commands',
  'cli -> build': 'commands',
  'cli -> import': 'commands',
  'cli -> login': 'commands',
  'cli -> manifest': 'commands',
  'cli -> pack': 'commands',
  'cli -> plan': 'commands',
  'cli -> policy': 'run options from the command line',
  'cli -> resolve': 'commands',
  'cli -> run': 'commands',
  'cli -> script': 'commands',
  'cli -> spec': 'commands',
  'cli -> sys': 'the code cache reads code only from files no one else could write (own-file)',
  'distro -> resolve': 'os-release and the ELF machine are read inside the source root',
  'import -> resolve': 'jailkit names are looked up inside the source root',
  'import -> sys': 'account files, PATH and globs inside a root',
  'login -> plan': 'login users are merged into a jail’s plan (accounts, drop-ins)',
  'login -> root': 'login jail files are edited in place by the root’s live-edit rules',
  'login -> sys': 'account files, atomic writes',
  'manifest -> sys': 'octal modes, the xattr dump',
  'pack -> build': 'pack builds the jail it packs from a spec or a plan',
  'pack -> manifest': 'a package lists its tree by content',
  'pack -> plan': 'install re-plans a package’s tree',
  'pack -> root': 'install writes through the root writer',
  'pack -> script': 'a package can carry the install script',
  'pack -> spec': 'pack loads the spec it is given',
  'pack -> sys': 'atomic writes, octal modes, ROOT_PATH for OCI, capability text',
  'pack -> util': 'gzip stages',
  'packages -> distro': 'the package database format follows the distribution',
  'packages -> resolve': 'package databases are read inside the source root',
  'plan -> distro': 'plans detect the source distribution',
  'plan -> elf': 'discovery reads imported symbols and read-only strings',
  'plan -> packages': 'packages: lists expand to package contents',
  'plan -> resolve': 'plans resolve the closure of every binary',
  'plan -> spec': 'a plan is made from a spec',
  'plan -> sys': 'account files, PATH and globs inside a root, capability text',
  'plan -> trace': 'trace: runs commands under strace on the host when planning',
  'policy -> spec': 'a spec’s run: block is a policy',
  'resolve -> elf': 'the loader resolver reads ELF files',
  'resolve -> sys': 'globs inside a root (ld.so.conf includes), PATH',
  'root -> manifest': 'the root writer records what it wrote as manifest entries',
  'root -> plan': 'the root writer takes plan entries',
  'root -> sys': 'mountinfo, the xattr dump, octal modes, atomic writes, capability text',
  'cli -> fleet': 'the oci-bundle and k8s commands',
  'fleet -> pack': 'a package or a spec as the source of a bundle or a Job',
  'fleet -> plan': 'is the source a spec or a saved plan',
  'fleet -> policy': 'the run policy it renders for other engines',
  'fleet -> sys': 'host tools are looked up in the system directories',
  'fleet -> run': 'the same user, tmpfs, devices and seccomp rules as jailsmith run',
  'build -> policy': 'a built jail records its run policy beside it',
  'cli -> ship': 'the push and pull commands',
  'pack -> elf': 'an image’s platform from the jail’s own ELF files',
  'pack -> policy': 'packages and images carry the run policy',
  'pack -> run': 'images carry run’s seccomp profile as a label',
  'policy -> plan': 'the policy a saved plan carries',
  'policy -> root': 'where a jail’s policy record lives beside it',
  'policy -> sys': 'a policy record counts only when no one else could have written it',
  'ship -> pack': 'images are packed, verified and installed by pack',
  'run -> audit': 'run refuses a jail the audit finds critical (gate)',
  'run -> policy': 'run takes its options from a policy',
  'run -> resolve': 'in-jail paths resolve like the kernel after chroot',
  'run -> sys': 'mountinfo, passwd, PATH inside the jail, atomic cache writes',
  'script -> plan': 'a script renders a plan',
  'script -> sys': 'octal modes, atomic writes',
  'spec -> sys': 'capability strings parsed when the spec loads',
  'script -> util': 'gzip stages',
  'trace -> resolve': 'traced paths are checked inside the source root',
  'trace -> sys': 'ROOT_PATH for traced commands',
};

/**
 * Imports across folders that may name a single module instead of the folder's index: the CLI
 * loads each command's stage lazily, one module, so `jailsmith --help` and a small command do not
 * load every stage (start-up time). The root API files (src/index.ts, src/internal.ts) name what
 * they export directly.
 */
function deepAllowed(from: string): boolean {
  return from.startsWith('cli/') || from === 'index.ts' || from === 'internal.ts';
}

const edges = importEdges(SRC);

/**
 * Modules a folder's index.ts re-exports from: its public surface. Another folder may import one
 * of them by name rather than through the index, to load that module alone (an index loads every
 * module it re-exports: the audit's login checks would load the planner, YAML and handlebars;
 * a no-op build the whole resolver). What an index does not re-export stays private.
 */
const publicModules = new Set(
  edges
    .filter((e) => e.from.endsWith('/index.ts') && folderOf(e.from) === folderOf(e.to) && !e.dynamic)
    .map((e) => e.to),
);
const arrows = new Set<string>();
for (const e of edges) {
  const a = folderOf(e.from);
  const b = folderOf(e.to);
  if (a !== b) arrows.add(`${a} -> ${b}`);
}

describe('the folder import graph of src/', () => {
  it('reads imports, re-exports and dynamic imports', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges.some((e) => e.dynamic && e.from.startsWith('cli/'))).toBe(true);
    expect(edges.some((e) => e.from === 'build/index.ts' && e.to === 'build/traced.ts')).toBe(true);
  });

  it('has no cycle between folders', () => {
    expect(folderCycles(arrows).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('has only the allowed arrows (index and internal are the API and may use every folder)', () => {
    const unknown = [...arrows].filter((a) => {
      const [x, y] = a.split(' -> ') as [string, string];
      return x !== 'index' && x !== 'internal' && !SHARED.has(y) && !(a in ALLOWED);
    });
    expect(unknown.sort()).toEqual([]);
  });

  it('lists no arrow that is gone (the list stays the truth)', () => {
    expect(Object.keys(ALLOWED).filter((a) => !arrows.has(a))).toEqual([]);
  });

  it('shared files at src/ import no folder', () => {
    expect([...arrows].filter((a) => SHARED.has(a.split(' -> ')[0] as string))).toEqual([]);
  });

  it('imports across folders go through the target folder’s index.ts, or name a module it exports', () => {
    const deep = edges.filter((e) => {
      const b = folderOf(e.to);
      return (
        folderOf(e.from) !== b &&
        e.to.includes('/') &&
        e.to !== `${b}/index.ts` &&
        !deepAllowed(e.from) &&
        !publicModules.has(e.to)
      );
    });
    expect(deep.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });
});
