import type { CommandModule } from 'yargs';
import { example } from '../example.js';
import { printJson } from '../io.js';
import { progressReporter } from '../progress.js';
import { type RegistryArgs, registryOptions, withRegistryOptions } from '../registry-options.js';
import { action } from '../run-command.js';

interface PullArgs extends RegistryArgs {
  ref: string;
  dir: string;
  trust?: string;
}

export const pullCommand: CommandModule<object, PullArgs> = {
  command: 'pull <ref> <dir>',
  describe: 'Pull an image from a registry, verify it (and its signature) and install it at DIR',
  builder: (y) =>
    withRegistryOptions(
      y
        .positional('ref', {
          type: 'string',
          demandOption: true,
          describe: 'HOST[:PORT]/REPO[:TAG|@sha256:HEX]',
        })
        .positional('dir', {
          type: 'string',
          demandOption: true,
          describe: 'Jail directory to install (replaced whole)',
        })
        .option('trust', {
          type: 'string',
          describe:
            'Public key (PEM or minisign) the image’s signature must verify with; checked before any layer is fetched',
        })
        .example(
          ...example(
            '$0 pull registry.example.com/jails/py:1.0 /srv/jails/py --trust release.key.pub',
            'only a signed image',
          ),
        ),
    ),
  handler: action<PullArgs>(async (args, io) => {
    const [{ parseReference, pullImage }, { loadPublicKey }] = await Promise.all([
      import('../../ship/index.js'),
      import('../../pack/signature.js'),
    ]);
    const ref = parseReference(args.ref);
    const trust = args.trust === undefined ? undefined : loadPublicKey(args.trust);
    const progress = progressReporter(io, args, 'installing');
    let r: Awaited<ReturnType<typeof pullImage>>;
    try {
      r = await pullImage(ref, args.dir, {
        ...registryOptions(args),
        trust,
        onProgress: progress.onProgress,
      });
    } finally {
      progress.done();
    }
    if (args.json) {
      const { manifest: _m, setupScript: _s, ...rest } = r;
      printJson(io, rest);
    } else if (!args.quiet) {
      const sig = trust ? ', signature verified' : '';
      io.out(`pulled ${r.ref} (${r.digest}, ${r.image.platform}) -> ${r.dir} (${r.entries} entries${sig})`);
      for (const n of r.notes) io.err(`note: ${n}`);
    }
    return 0;
  }),
};
