import { applyProfile } from '../collect-profiles.js';
import type { PlanContext } from '../context.js';
import type { Copier } from '../copy.js';
import { interpreterProfiles } from './interpreters.js';

/**
 * `interpreters`: a program that is an interpreter a profile knows (its `programs:` globs) gets
 * that profile: its library is computed at run time (python3's sys.prefix), never a string.
 */
export function interpreters(ctx: PlanContext, copier: Copier): void {
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
