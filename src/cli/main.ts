// Only cheap modules at the top: `jailsmith --version` is answered from these alone, and yargs
// (tens of ms) and a command's module (with the part of src/ it needs) load once they are needed.
import { UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { assertUtf8Args, splitArgv } from './argv.js';
import { type AnyCommand, type CommandEntry, commandName, commands } from './commands/index.js';
import { type GlobalOptions, type Io, processIo } from './io.js';
import { reportError } from './run-command.js';

/** yargs' hidden completion hook, which the completion script calls with the words of the line. */
const COMPLETE = '--get-yargs-completions';

/**
 * `jailsmith ARGS`. Everything after the first `--` is split off before yargs sees it and reaches
 * the command as args['--'] (a string[], byte for byte: no number parsing, `--json` there is the
 * job's), except under completion, where the words of the line being edited go to yargs whole.
 * `table` is the list of commands (tests pass stand-ins).
 */
export async function main(argv: string[], table: readonly CommandEntry[] = commands): Promise<void> {
  const io = processIo();
  const split = splitArgv(argv);
  const completing = split.head.includes(COMPLETE);
  const { head, tail } = completing ? { head: argv, tail: [] } : split;
  const flags = { debug: split.head.includes('--debug'), json: split.head.includes('--json') };
  try {
    if (!completing) assertUtf8Args(argv);
    if (head.length === 1 && head[0] === '--version') {
      io.out(VERSION);
      return;
    }
    await parse(head, tail, io, table);
  } catch (e) {
    process.exitCode = reportError(e, io, flags);
  }
}

async function parse(head: string[], tail: string[], io: Io, table: readonly CommandEntry[]): Promise<void> {
  const { default: yargs } = await import('yargs');
  const names = new Set(table.map(commandName));
  const parser = yargs(head)
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
      const command = head.find((a) => names.has(a));
      throw new UsageError('USAGE', msg ?? 'invalid usage', {
        hint: command
          ? `jailsmith ${command} --help shows its usage and examples`
          : 'jailsmith --help lists commands and options',
      });
    });
  for (const c of table) parser.command(lazyCommand(c, tail, io));
  skipHelpCache(parser);
  await parser.parseAsync();
}

/**
 * A command as yargs sees it before its module is loaded: name, description and aliases from the
 * table (all that --help, completion of names and "did you mean" need). yargs calls the builder
 * only for the command it runs, or shows --help for: that is when the module is imported.
 */
function lazyCommand(entry: CommandEntry, tail: string[], io: Io): AnyCommand {
  let loaded: Promise<AnyCommand> | undefined;
  const load = () => {
    loaded ??= entry.load();
    return loaded;
  };
  const cmd: AnyCommand = {
    command: entry.command,
    describe: entry.describe,
    builder: async (y) => {
      const { builder } = await load();
      if (typeof builder === 'function') return builder(y);
      return builder ? y.options(builder) : y;
    },
    handler: async (args) => {
      const { handler } = await load();
      if (tail.length > 0 && !entry.tail) {
        const name = commandName(entry);
        const err = new UsageError('USAGE_TAIL', `jailsmith ${name} takes no arguments after --`, {
          details: { tail },
          hint: `jailsmith ${name} --help shows its usage`,
        });
        process.exitCode = reportError(err, io, args as Partial<GlobalOptions>);
        return;
      }
      // A copy: the command may not alter what main holds.
      args['--'] = [...tail];
      await handler(args);
    },
  };
  if (entry.aliases) cmd.aliases = [...entry.aliases];
  return cmd;
}

/**
 * yargs renders the command's help text once its handler has started, in case the handler asks
 * for it later (none of ours does: usage errors are one line). That render (cliui, string-width's
 * grapheme segmenter and emoji tables) cost 30 ms of every `jailsmith audit DIR`. Reached through
 * yargs' internal methods, so it degrades to yargs' own behaviour if they change shape.
 */
function skipHelpCache(parser: unknown): void {
  const internal = (parser as { getInternalMethods?: () => { getUsageInstance?: () => unknown } })
    .getInternalMethods?.()
    .getUsageInstance?.() as { cacheHelpMessage?: unknown } | undefined;
  if (internal && typeof internal.cacheHelpMessage === 'function') internal.cacheHelpMessage = () => {};
}
