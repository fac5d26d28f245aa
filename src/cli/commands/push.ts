import type { CommandModule } from 'yargs';
import { example } from '../example.js';
import { printJson } from '../io.js';
import { type RegistryArgs, registryOptions, withRegistryOptions } from '../registry-options.js';
import { action } from '../run-command.js';

interface PushArgs extends RegistryArgs {
  source: string;
  ref: string;
  sign?: string;
  tag?: string;
}

export const pushCommand: CommandModule<object, PushArgs> = {
  command: 'push <source> <ref>',
  describe: 'Push an OCI layout (or a jail directory or spec, packed first) to a registry, optionally signed',
  builder: (y) =>
    withRegistryOptions(
      y
        .positional('source', {
          type: 'string',
          demandOption: true,
          describe: 'OCI layout (LAYOUT or LAYOUT:TAG), jail directory or spec',
        })
        .positional('ref', { type: 'string', demandOption: true, describe: 'HOST[:PORT]/REPO[:TAG]' })
        .option('sign', {
          type: 'string',
          describe:
            'ed25519 private key: pushes a minisign signature of the manifest as REPO:sha256-<hex>.sig',
        })
        .option('tag', {
          type: 'string',
          describe: 'The layout’s tag to push (default: its only tag or latest)',
        })
        .example(
          ...example(
            '$0 push ./py-image registry.example.com/jails/py:1.0 --sign release.key',
            'the image and its signature',
          ),
        ),
    ),
  handler: action<PushArgs>(async (args, io) => {
    const [{ parseReference, pushImage }, { loadPrivateKey }, { isLayout }, { splitLayoutArg }] =
      await Promise.all([
        import('../../ship/index.js'),
        import('../../pack/signature.js'),
        import('../../pack/oci-layout.js'),
        import('../../pack/oci-install.js'),
      ]);
    const ref = parseReference(args.ref);
    const key = args.sign === undefined ? undefined : loadPrivateKey(args.sign);
    const reg = registryOptions(args);
    const given = splitLayoutArg(args.source, isLayout);
    let cleanup = () => {};
    let layout = given.dir;
    let tag = args.tag ?? given.tag;
    if (!isLayout(given.dir)) {
      // A jail directory or spec: packed into a private temp layout first, then pushed.
      const [{ mkdtempSync, rmSync }, os, path, { openPackSource }, { packOci }] = await Promise.all([
        import('node:fs'),
        import('node:os'),
        import('node:path'),
        import('../../pack/source.js'),
        import('../../pack/oci.js'),
      ]);
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'jailsmith-push-'));
      cleanup = () => rmSync(tmp, { recursive: true, force: true });
      try {
        const src = await openPackSource(args.source);
        try {
          tag = ref.tag ?? 'latest';
          layout = (await packOci(src, path.join(tmp, 'image'), { tag })).dir;
        } finally {
          src.cleanup();
        }
      } catch (e) {
        cleanup();
        throw e;
      }
    }
    try {
      const r = await pushImage(layout, ref, { ...reg, ...(tag ? { tag } : {}), signKey: key });
      if (args.json) printJson(io, r);
      else if (!args.quiet)
        io.out(
          `pushed ${args.source} -> ${r.ref} (${r.digest}${r.signature ? `, signed: ${r.signature}` : ''})`,
        );
      return 0;
    } finally {
      cleanup();
    }
  }),
};
