import type { CommandModule } from 'yargs';
import type { ManifestEntry } from '../../manifest/types.js';
import { example } from '../example.js';
import { printJson } from '../io.js';
import { action } from '../run-command.js';

interface ManifestArgs {
  dir: string;
  hash: boolean;
}

export const manifestCommand: CommandModule<object, ManifestArgs> = {
  command: 'manifest <dir>',
  describe: 'List every entry of a tree (type, mode, owner, size, sha256, link target, device)',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'Directory to describe' })
      .option('hash', { type: 'boolean', default: true, describe: 'Hash file contents (--no-hash to skip)' })
      .example(...example('$0 manifest /srv/jails/py > py.manifest', 'one line per entry, sorted'))
      .example(
        ...example('$0 manifest /srv/jails/py --json --no-hash', 'as JSON, without reading file contents'),
      ),
  handler: action<ManifestArgs>(async (args, io) => {
    const { manifestOf } = await import('../../manifest/manifest.js');
    const m = manifestOf(args.dir, { hash: args.hash });
    if (args.json) printJson(io, m);
    else if (!args.quiet) io.out(m.entries.map(line).join('\n'));
    return 0;
  }),
};

/** One line per entry, ls-like and stable: `MODE UID:GID TYPE PATH [-> TARGET | MAJ,MIN | SIZE SHA]`. */
function line(e: ManifestEntry): string {
  const head = `${e.mode} ${e.uid}:${e.gid} ${e.type.padEnd(8)} ${e.path}`;
  if (e.target !== null) return `${head} -> ${e.target}`;
  if (e.rdev !== null) return `${head} ${e.rdev[0]},${e.rdev[1]}`;
  if (e.type === 'file') return `${head} ${e.size} ${e.sha256 ?? '-'}`;
  return head;
}
