import yargs from 'yargs';
import { UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { commands } from './commands/index.js';
import { processIo } from './io.js';
import { reportError } from './run-command.js';

export async function main(argv: string[]): Promise<void> {
  const io = processIo();
  const names = new Set(commands.map((c) => String(c.command).split(' ')[0]));
  const parser = yargs(argv)
    .scriptName('jailsmith')
    .usage('$0 <command> [options]\n\nBuild, audit, ship and run minimal chroot jails.')
    .option('json', { type: 'boolean', default: false, describe: 'Machine-readable output' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Print only errors' })
    .option('verbose', { alias: 'v', type: 'count', describe: 'More detail (repeatable)' })
    .option('debug', { type: 'boolean', default: false, describe: 'Show stack traces for errors' })
    .completion('__complete', false)
    .version(VERSION)
    .alias('help', 'h')
    .strict()
    .recommendCommands()
    .demandCommand(1, 'Name a command: jailsmith --help lists them.')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      const command = argv.find((a) => names.has(a));
      throw new UsageError('USAGE', msg ?? 'invalid usage', {
        hint: command
          ? `jailsmith ${command} --help shows its usage and examples`
          : 'jailsmith --help lists commands and options',
      });
    });
  for (const c of commands) parser.command(c);
  try {
    await parser.parseAsync();
  } catch (e) {
    process.exitCode = reportError(e, io, { debug: argv.includes('--debug'), json: argv.includes('--json') });
  }
}
