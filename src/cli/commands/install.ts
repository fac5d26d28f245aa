import type { CommandModule } from 'yargs';
import { example } from '../example.js';
import { printJson } from '../io.js';
import { progressReporter } from '../progress.js';
import { type RegistryArgs, registryOptions, withRegistryOptions } from '../registry-options.js';
import { action } from '../run-command.js';

interface InstallArgs extends RegistryArgs {
  package: string;
  dir: string;
  trust?: string;
}

export const installCommand: CommandModule<object, InstallArgs> = {
  command: 'install <package> <dir>',
  describe: 'Verify a package entry by entry and install it at DIR (swapped in whole)',
  builder: (y) =>
    withRegistryOptions(y)
      .positional('package', {
        type: 'string',
        demandOption: true,
        describe:
          'Package file (.tar or .tar.gz), an OCI layout (LAYOUT[:TAG]) or an image reference (as pull)',
      })
      .positional('dir', {
        type: 'string',
        demandOption: true,
        describe: 'Jail directory to install (replaced whole)',
      })
      .option('trust', { type: 'string', describe: 'Public key the package must be signed with' })
      .example(
        ...example(
          '$0 install py.tar.gz /srv/jails/py --trust release.key.pub',
          'only if signed with that key',
        ),
      ),
  handler: action<InstallArgs>(async (args, io) => {
    const [{ installPackage }, { loadPublicKey }] = await Promise.all([
      import('../../pack/install.js'),
      import('../../pack/signature.js'),
    ]);
    const trust = args.trust === undefined ? undefined : loadPublicKey(args.trust);
    const { layout, ref } = await (await import('../package-arg.js')).classifyPackageArg(
      args.package,
      trust !== undefined,
    );
    const { installImage } = await import('../../pack/index.js');
    const progress = progressReporter(io, args, 'installing');
    let result: Awaited<ReturnType<typeof installPackage>>;
    try {
      result = ref
        ? await (await import('../../ship/pull.js')).pullImage(ref, args.dir, {
            ...registryOptions(args),
            trust,
            onProgress: progress.onProgress,
          })
        : layout
          ? await installImage(layout.dir, args.dir, {
              ...(layout.tag ? { tag: layout.tag } : {}),
              onProgress: progress.onProgress,
            })
          : await installPackage(args.package, args.dir, { trust, onProgress: progress.onProgress });
    } finally {
      progress.done();
    }
    const { manifest: _m, setupScript, ...r } = result;
    if (args.json) printJson(io, { ...r, setupScript: setupScript !== null });
    else if (!args.quiet) {
      const sig = r.signatureVerified ? ', signature verified' : '';
      io.out(
        `installed ${r.file} -> ${r.dir} (${r.entries} entries${r.replaced ? ', replaced the old tree' : ''}${sig})`,
      );
      if (args.verbose > 0) io.out(`${r.files} files, ${r.bytes} bytes, manifest sha256 ${r.manifestSha256}`);
      for (const n of r.notes) io.err(`note: ${n}`);
    }
    return 0;
  }),
};
