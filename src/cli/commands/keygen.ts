import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { example } from '../example.js';
import { printJson } from '../io.js';
import { action } from '../run-command.js';

interface KeygenArgs {
  output?: string;
  export?: string;
}

export const keygenCommand: CommandModule<object, KeygenArgs> = {
  command: 'keygen',
  describe: 'Make an ed25519 key pair for signing packages (PREFIX and PREFIX.pub)',
  builder: (y) =>
    y
      .option('output', { alias: 'o', type: 'string', describe: 'Key file prefix' })
      .option('export', {
        type: 'string',
        describe: 'Print the minisign/signify public key of an existing key (private or .pub PEM)',
      })
      .example(
        ...example(
          '$0 keygen -o release.key',
          'writes release.key (keep secret), release.key.pub and release.key.minisign.pub',
        ),
      )
      .example(...example('$0 keygen --export release.key.pub > release.minisign.pub', 'for an older key')),
  handler: action<KeygenArgs>(async (args, io) => {
    const { keygen, loadPrivateKey, loadPublicKey } = await import('../../pack/signature.js');
    if (args.export !== undefined) {
      const { minisignPublicKey } = await import('../../pack/minisign.js');
      let key: import('node:crypto').KeyObject;
      try {
        key = loadPrivateKey(args.export);
      } catch {
        key = loadPublicKey(args.export);
      }
      io.out(minisignPublicKey(key).trimEnd());
      return 0;
    }
    if (args.output === undefined) {
      throw new UsageError('USAGE', 'keygen needs -o PREFIX (or --export KEY)', {
        hint: 'jailsmith keygen -o release.key',
      });
    }
    const r = keygen(args.output);
    if (args.json) printJson(io, r);
    else if (!args.quiet)
      io.out(
        `wrote ${r.privateKey} (private, 0600), ${r.publicKey} and ${r.minisignPublicKey} (key id ${r.keyId})`,
      );
    return 0;
  }),
};
