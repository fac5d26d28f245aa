import { lstatSync } from 'node:fs';
import type { Collector } from './collector.js';
import { Rank } from './context.js';
import { generatedFile } from './generated.js';
import { idOf } from './owners.js';

export const collectFiles: Collector = {
  name: 'files',
  collect(ctx, copier) {
    for (const f of ctx.spec.files) {
      const uid = idOf(ctx.spec, f.owner, 'user');
      const gid = idOf(ctx.spec, f.group, 'group');
      if (f.content !== undefined) {
        ctx.add(generatedFile(f.path, f.content, f.mode ?? 0o644, uid, gid), Rank.stated, `files: ${f.path}`);
        continue;
      }
      const from = f.from ?? f.path;
      const real = ctx.root.realpath(from);
      if (!real) {
        throw ctx.specError(
          'SPEC_FILE_NOT_FOUND',
          `file ${from} does not exist in source root ${ctx.root.dir}`,
          'files',
          f.path,
        );
      }
      if (lstatSync(ctx.root.host(real.path)).isDirectory()) {
        throw ctx.specError(
          'SPEC_NOT_A_FILE',
          `${from} is a directory`,
          'files',
          f.path,
          'list whole directories under trees',
        );
      }
      // A path reached through links keeps them (they enter the jail too); anything else is one
      // copy that the spec states, so it wins over a profile's default for the same path.
      const plain = f.from === undefined && f.mode === undefined && uid === 0 && gid === 0;
      if (plain && real.links.length > 0) {
        copier.copy(f.path, { resolve: 'lenient', force: true, origin: `files: ${f.path}` });
      } else {
        copier.copyAs(f.path, from, { mode: f.mode, uid, gid, rank: Rank.stated }, `files: ${f.path}`);
      }
    }
  },
};
