import { findOnPath } from '../../sys/index.js';
import type { PlanContext } from '../context.js';
import type { Copier } from '../copy.js';
import { programsNamedInData, usrAliases } from './packages.js';
import { ownersOf, type Round, type Scan } from './scan.js';
import { EXEC_SYMBOLS } from './symbols.js';

/**
 * `helpers`: programs a program runs by name. A script's commands count as they are; an ELF
 * program's whole strings count only when it imports a function that runs programs and the
 * program found on PATH belongs to its own package or to one its package depends on or
 * recommends (needs the dpkg database; elsewhere, nothing).
 */
export function helpers(ctx: PlanContext, copier: Copier, s: Scan, on: boolean, r: Round): void {
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
