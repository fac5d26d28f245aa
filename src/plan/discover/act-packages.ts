import type { PlanContext } from '../context.js';
import type { Copier } from '../copy.js';
import { LIMITS } from './candidates.js';
import { GLIBC, profileFor } from './known.js';
import { packageData } from './packages.js';
import { ownersOf, type Round, type Scan } from './scan.js';

/**
 * `package-data`: the run-time data of the packages that own the programs and the libraries
 * they load (not glibc's: its locale, zone and converter data come through symbol signals).
 * A package whose data is past the limits is a hint, not a copy.
 */
export function packages(ctx: PlanContext, copier: Copier, scans: Scan[], on: boolean, r: Round): void {
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
