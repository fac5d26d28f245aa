import type { Argv, CommandModule } from 'yargs';
import { example } from '../example.js';
import { type Io, printJson } from '../io.js';
import { action } from '../run-command.js';

interface SshdArgs {
  'sshd-dir'?: string;
  'sshd-config'?: string;
}

interface AddArgs extends SshdArgs {
  name: string;
  jail: string;
  mode: 'sftp' | 'shell';
  key?: string;
  allow?: string[];
  existing: boolean;
}

interface RemoveArgs extends SshdArgs {
  name: string;
  'purge-home': boolean;
  jail?: string;
}

function sshdOptions<T>(y: Argv<T>): Argv<T & SshdArgs> {
  return y
    .option('sshd-dir', {
      type: 'string',
      describe: 'Directory of sshd drop-ins the main config includes (default /etc/ssh/sshd_config.d)',
    })
    .option('sshd-config', {
      type: 'string',
      describe: 'Main sshd config, checked with sshd -t -f (default /etc/ssh/sshd_config)',
    }) as Argv<T & SshdArgs>;
}

const addCommand: CommandModule<object, AddArgs> = {
  command: 'add <name>',
  describe: 'Make NAME an SSH/SFTP account that lands in a jail (host account, jail entry, sshd drop-in)',
  builder: (y) =>
    sshdOptions(
      y
        .positional('name', { type: 'string', demandOption: true, describe: 'Login name' })
        .option('jail', {
          type: 'string',
          demandOption: true,
          describe: "Jail directory (sshd's ChrootDirectory)",
        })
        .option('mode', {
          choices: ['sftp', 'shell'] as const,
          default: 'sftp' as const,
          describe: 'Session kind',
        })
        .option('key', {
          type: 'string',
          describe: 'Public key file (the .pub) for the managed authorized_keys',
        })
        .option('allow', {
          type: 'string',
          array: true,
          describe: 'Shell mode: run only these commands (checked against the list by a root-owned program)',
        })
        .option('existing', {
          type: 'boolean',
          default: false,
          describe: 'Jail an account the host already has instead of making one',
        }),
    )
      .example(...example('$0 user add alice --jail /srv/jails/sftp --key alice.pub', 'an sftp-only account'))
      .example(
        ...example(
          '$0 user add bob --jail /srv/jails/shell --mode shell --key bob.pub --allow ls --allow cat',
          'a shell account limited to two commands',
        ),
      ),
  handler: action<AddArgs>(async (args, io) => {
    const { addLoginUser } = await import('../../login/add.js');
    const r = addLoginUser({
      name: args.name,
      jail: args.jail,
      mode: args.mode,
      keyFile: args.key,
      allow: args.allow,
      existing: args.existing,
      sshdDir: args['sshd-dir'],
      sshdConfig: args['sshd-config'],
    });
    if (args.json) printJson(io, r);
    else if (!args.quiet) {
      const u = r.user;
      io.out(
        `added ${u.name} (uid ${u.uid}, ${u.mode}${u.allow.length > 0 ? `, allowed: ${u.allow.join(' ')}` : ''}) to ${u.jail}: home ${u.home}, ${r.keys} key(s), drop-in ${u.dropIn}`,
      );
      notes(io, r.notes);
    }
    return 0;
  }),
};

const removeCommand: CommandModule<object, RemoveArgs> = {
  command: 'remove <name>',
  describe: "Take a login user out: the account jailsmith made, the jail's entry, keys and drop-in",
  builder: (y) =>
    sshdOptions(
      y
        .positional('name', { type: 'string', demandOption: true, describe: 'Login name' })
        .option('purge-home', {
          type: 'boolean',
          default: false,
          describe: 'Also delete the home inside the jail (kept by default)',
        })
        .option('jail', { type: 'string', describe: 'The jail, when only its record still knows the user' }),
    ).example(...example('$0 user remove alice --purge-home', 'remove alice and her files')),
  handler: action<RemoveArgs>(async (args, io) => {
    const { removeLoginUser } = await import('../../login/remove.js');
    const r = removeLoginUser({
      name: args.name,
      purgeHome: args['purge-home'],
      jail: args.jail,
      sshdDir: args['sshd-dir'],
      sshdConfig: args['sshd-config'],
    });
    if (args.json) printJson(io, r);
    else if (!args.quiet) {
      io.out(`removed ${r.user.name} from ${r.user.jail}${r.accountRemoved ? ' and its host account' : ''}`);
      notes(io, r.notes);
    }
    return 0;
  }),
};

const listCommand: CommandModule<object, SshdArgs> = {
  command: 'list',
  describe: 'The login users of this host, from the jailsmith sshd drop-ins',
  builder: (y) => sshdOptions(y),
  handler: action<SshdArgs>(async (args, io) => {
    const { listLoginUsers } = await import('../../login/list.js');
    const users = listLoginUsers({ sshdDir: args['sshd-dir'] });
    if (args.json) printJson(io, users);
    else if (!args.quiet) {
      if (users.length === 0) io.out('no login users');
      for (const u of users) {
        const problems = [
          u.account ? '' : 'no host account',
          u.recorded ? '' : 'not in the jail record',
          u.keys ? '' : 'no keys file',
        ].filter(Boolean);
        io.out(
          `${u.name}\t${u.uid}\t${u.mode}\t${u.jail}${problems.length > 0 ? `\t(${problems.join(', ')})` : ''}`,
        );
      }
    }
    return 0;
  }),
};

function notes(io: Io, list: string[]): void {
  for (const n of list) io.err(`note: ${n}`);
}

export const userCommand: CommandModule = {
  command: 'user <command>',
  describe: 'Login jails: SSH/SFTP accounts that land in a jail (add, remove, list)',
  builder: (y) =>
    y
      .command(addCommand as CommandModule)
      .command(removeCommand as CommandModule)
      .command(listCommand as CommandModule)
      .demandCommand(1, 'Name a user command: add, remove or list'),
  handler: () => {},
};
