import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import type { PackFormat } from '../../pack/pack.js';
import { example } from '../example.js';
import { printJson } from '../io.js';
import { progressReporter } from '../progress.js';
import { action } from '../run-command.js';

interface PackArgs {
  source: string;
  output: string;
  format?: string;
  sign?: string;
  tag: string;
  setup: boolean;
}

/** `.tar`, `.tar.gz`/`.tgz`; anything else needs --format. */
export function formatFromName(file: string): PackFormat | undefined {
  if (/\.(tar\.gz|tgz)$/i.test(file)) return 'tar.gz';
  if (/\.tar$/i.test(file)) return 'tar';
  return undefined;
}

export const packCommand: CommandModule<object, PackArgs> = {
  command: 'pack <source>',
  describe: 'Pack a jail (directory or spec) into a reproducible, verifiable package or OCI image',
  builder: (y) =>
    y
      .positional('source', { type: 'string', demandOption: true, describe: 'Jail directory or spec file' })
      .option('output', {
        alias: 'o',
        type: 'string',
        demandOption: true,
        describe: 'Package file or OCI dir',
      })
      .option('format', {
        type: 'string',
        choices: ['tar', 'tar.gz', 'oci'],
        describe: 'Default: from -o name',
      })
      .option('sign', { type: 'string', describe: 'ed25519 private key (PEM) to sign the manifest with' })
      .option('setup', {
        type: 'boolean',
        default: true,
        describe: 'Include the bundle-mode setup script (--no-setup: manifest and tree only)',
      })
      .option('tag', { type: 'string', default: 'latest', describe: 'OCI reference name' })
      .example(...example('$0 pack /srv/jails/py -o py.tar.gz --sign release.key', 'a signed package'))
      .example(
        ...example(
          '$0 pack jails/python.yaml -o py-oci --format oci --tag 1.0',
          'an OCI image layout, built from the spec',
        ),
      ),
  handler: action<PackArgs>(async (args, io) => {
    const format = (args.format as PackFormat | 'oci' | undefined) ?? formatFromName(args.output);
    if (!format) {
      throw new UsageError('USAGE', 'cannot tell the format from the output name', {
        path: args.output,
        hint: 'name it .tar, .tar.gz or .tgz, or pass --format tar|tar.gz|oci',
      });
    }
    if (format === 'oci' && args.sign !== undefined) {
      throw new UsageError('USAGE', '--sign applies to tar packages, not OCI layouts', {
        hint: 'sign OCI images with the registry tooling (e.g. cosign), or pack a .tar.gz to sign',
      });
    }
    const [{ packJail }, { loadPrivateKey }, { openPackSource }] = await Promise.all([
      import('../../pack/pack.js'),
      import('../../pack/signature.js'),
      import('../../pack/source.js'),
    ]);
    const key = args.sign === undefined ? undefined : loadPrivateKey(args.sign);
    const src = await openPackSource(args.source);
    try {
      if (format === 'oci') {
        const { packOci } = await import('../../pack/oci.js');
        const r = await packOci(src, args.output, { tag: args.tag });
        if (args.json) printJson(io, r);
        else if (!args.quiet) io.out(`packed ${args.source} -> ${r.dir} (OCI ${r.tag}, ${r.manifestDigest})`);
        return 0;
      }
      const progress = progressReporter(io, args, 'packing');
      let r: Awaited<ReturnType<typeof packJail>>;
      try {
        r = await packJail(src.dir, args.output, {
          format,
          signKey: key,
          setup: args.setup,
          plan: src.plan,
          name: src.name,
          onProgress: progress.onProgress,
        });
      } finally {
        progress.done();
      }
      if (args.json) printJson(io, r);
      else if (!args.quiet) {
        io.out(
          `packed ${args.source} -> ${r.file} (${r.entries} entries, ${r.size} bytes, sha256 ${r.sha256}` +
            `${r.signed ? ', signed' : ''})`,
        );
        for (const s of r.skipped) io.err(`skipped ${s}: sockets cannot be packed`);
        if (args.verbose > 0) io.out(`manifest sha256 ${r.manifestSha256}`);
      }
      return 0;
    } finally {
      src.cleanup();
    }
  }),
};
