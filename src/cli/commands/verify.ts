import type { CommandModule } from 'yargs';
import { example } from '../example.js';
import { printJson } from '../io.js';
import { type RegistryArgs, registryOptions, withRegistryOptions } from '../registry-options.js';
import { action } from '../run-command.js';

interface VerifyArgs extends RegistryArgs {
  package: string;
  trust?: string;
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify <package>',
  describe: 'Check a package against its manifest (and signature) without installing it',
  builder: (y) =>
    withRegistryOptions(y)
      .positional('package', {
        type: 'string',
        demandOption: true,
        describe:
          'Package file (.tar or .tar.gz), an OCI layout (LAYOUT[:TAG]) or an image reference (fetched, nothing installed)',
      })
      .option('trust', { type: 'string', describe: 'Public key the package must be signed with' })
      .example(...example('$0 verify py.tar.gz --trust release.key.pub', 'every entry and the signature')),
  handler: action<VerifyArgs>(async (args, io) => {
    const [{ verifyPackage }, { loadPublicKey }] = await Promise.all([
      import('../../pack/install.js'),
      import('../../pack/signature.js'),
    ]);
    const trust = args.trust === undefined ? undefined : loadPublicKey(args.trust);
    const { layout, ref } = await (await import('../package-arg.js')).classifyPackageArg(
      args.package,
      trust !== undefined,
    );
    const { verifyImage } = await import('../../pack/index.js');
    const {
      manifest: _m,
      setupScript,
      ...r
    } = ref
      ? await (await import('../../ship/pull.js')).verifyRemoteImage(ref, { ...registryOptions(args), trust })
      : layout
        ? await verifyImage(layout.dir, layout.tag)
        : await verifyPackage(args.package, { trust });
    // A summary: the manifest and the embedded setup script (megabytes) are not printed.
    if (args.json) printJson(io, { ok: true, ...r, setupScript: setupScript !== null });
    else if (!args.quiet) {
      const sig = r.signatureVerified
        ? 'signature verified'
        : r.signed
          ? 'signed (no --trust key given)'
          : 'unsigned';
      io.out(`ok ${r.file}: ${r.entries} entries, ${r.files} files, ${r.bytes} bytes, ${sig}`);
      if (args.verbose > 0) io.out(`manifest sha256 ${r.manifestSha256}`);
    }
    return 0;
  }),
};
