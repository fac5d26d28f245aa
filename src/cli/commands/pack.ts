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
  root: string[];
  annotation: string[];
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
      .option('root', {
        type: 'string',
        array: true,
        default: [],
        describe: 'Source root for a spec (repeat for OCI: one image index over the roots’ platforms)',
      })
      .option('annotation', {
        type: 'string',
        array: true,
        default: [],
        describe: 'KEY=VALUE added to the OCI manifest (e.g. org.opencontainers.image.revision=abc)',
      })
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
      throw new UsageError('USAGE', '--sign applies to tar packages; OCI images are signed when pushed', {
        hint: 'jailsmith push LAYOUT REF --sign KEY',
      });
    }
    const [{ packJail }, { loadPrivateKey }, { openPackSource }] = await Promise.all([
      import('../../pack/pack.js'),
      import('../../pack/signature.js'),
      import('../../pack/source.js'),
    ]);
    const key = args.sign === undefined ? undefined : loadPrivateKey(args.sign);
    const annotations = parseAnnotations(args.annotation);
    if (format === 'oci') {
      const { packOci } = await import('../../pack/oci.js');
      const roots = args.root.length > 0 ? args.root : [undefined];
      const results: Awaited<ReturnType<typeof packOci>>[] = [];
      for (const root of roots) {
        const src = await openPackSource(args.source, root === undefined ? {} : { root });
        try {
          results.push(await packOci(src, args.output, { tag: args.tag, annotations }));
        } finally {
          src.cleanup();
        }
      }
      const r = results[results.length - 1] as (typeof results)[number];
      if (args.json) printJson(io, results.length === 1 ? r : { ...r, images: results });
      else if (!args.quiet) {
        const what = r.platforms.length > 1 ? `index over ${r.platforms.join(', ')}` : r.platform;
        io.out(`packed ${args.source} -> ${r.dir} (OCI ${r.tag}, ${what}, ${r.tagDigest})`);
        for (const n of results.flatMap((x) => x.notes)) io.err(`note: ${n}`);
      }
      return 0;
    }
    if (args.root.length > 1) {
      throw new UsageError(
        'USAGE',
        'several --root values make an OCI image index; a package holds one tree',
        {
          hint: 'pack --format oci, or one package per root',
        },
      );
    }
    if (args.annotation.length > 0) throw new UsageError('USAGE', '--annotation applies to OCI layouts');
    const src = await openPackSource(args.source, args.root[0] === undefined ? {} : { root: args.root[0] });
    try {
      const progress = progressReporter(io, args, 'packing');
      let r: Awaited<ReturnType<typeof packJail>>;
      try {
        r = await packJail(src.dir, args.output, {
          format,
          signKey: key,
          setup: args.setup,
          plan: src.plan,
          policy: src.policy,
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

/** KEY=VALUE annotations; keys as the OCI spec has them (reverse domain names). */
function parseAnnotations(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list) {
    const eq = a.indexOf('=');
    if (eq < 1 || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(a.slice(0, eq)))
      throw new UsageError('USAGE', `--annotation: expected KEY=VALUE, got "${a}"`);
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}
