import type { CommandModule } from 'yargs';
import { example } from '../example.js';
import { printJson } from '../io.js';
import { action } from '../run-command.js';

interface KeygenArgs {
  output: string;
}

export const keygenCommand: CommandModule<object, KeygenArgs> = {
  command: 'keygen',
  describe: 'Make an ed25519 key pair for signing packages (PREFIX and PREFIX.pub)',
  builder: (y) =>
    y
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Key file prefix' })
      .example(
        ...example('$0 keygen -o release.key', 'writes release.key (keep secret) and release.key.pub'),
      ),
  handler: action<KeygenArgs>(async (args, io) => {
    const { keygen } = await import('../../pack/signature.js');
    const r = keygen(args.output);
    if (args.json) printJson(io, r);
    else if (!args.quiet)
      io.out(`wrote ${r.privateKey} (private, 0600) and ${r.publicKey} (key id ${r.keyId})`);
    return 0;
  }),
};
