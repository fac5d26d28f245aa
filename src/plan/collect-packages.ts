import { isJailError } from '../errors.js';
import { packageContents } from '../packages/index.js';
import type { Collector } from './collector.js';

/**
 * `packages:` — the files the named packages installed, from the source root's dpkg or apk
 * database. Listed directories become directories (not trees); files bring their ELF closures.
 */
export const collectPackages: Collector = {
  name: 'packages',
  collect(ctx, copier) {
    const { spec } = ctx;
    if (spec.packages.length === 0) return;
    let c: ReturnType<typeof packageContents>;
    try {
      c = packageContents(ctx.root, spec.packages, { dependencies: spec.dependencies, docs: spec.docs });
    } catch (e) {
      if (isJailError(e) && e.code === 'PACKAGE_UNKNOWN') {
        const name = String(e.details.package);
        throw ctx.specError(
          'SPEC_PACKAGE_UNKNOWN',
          `package ${name} is not installed in source root ${ctx.root.dir} (${e.path})`,
          'packages',
          name,
        );
      }
      throw e;
    }
    const origin = `packages: ${c.packages.join(', ')}`;
    for (const d of c.dirs) if (!ctx.excluded(d)) copier.copy(d, { resolve: 'none', origin });
    // A package may ship a link to something it does not ship (a config the admin provides):
    // kept as it is, with a note, as in a tree, rather than refusing the whole plan.
    for (const f of c.files)
      if (!ctx.excluded(f)) copier.copy(f, { resolve: 'lenient', origin, inTree: true });
    for (const u of c.unsatisfied)
      ctx.notes.add(`packages: dependency ${u} is not installed in the source root`);
  },
};
