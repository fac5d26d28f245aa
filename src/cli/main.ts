// Only cheap modules at the top: `jailsmith --version` is answered from these alone, and a
// command's module (with the part of src/ it needs) loads once it is needed. yargs (~45 ms of CPU)
// loads only when the fast path (fast-args.ts, yargs-parser alone) cannot vouch for the line:
// help, completion, a usage error, a builder it does not model.
import { UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { assertUtf8Args, splitArgv } from './argv.js';
import { type AnyCommand, type CommandEntry, commandName, commands } from './commands/index.js';
import { COMPLETION_COMMAND, GLOBAL_OPTIONS, SCRIPT_NAME } from './global-options.js';
import { type GlobalOptions, type Io, processIo } from './io.js';
import { reportError } from './run-command.js';

/** yargs' hidden completion hook, which the completion script calls with the words of the line. */
const COMPLETE = '--get-yargs-completions';

/** How main parsed a line: tests check that ordinary lines never load yargs. */
export type ParsePath = 'fast' | 'yargs';

export interface MainOptions {
  /** false: always the full yargs path (tests compare the two). */
  fast?: boolean;
  /** Called once the path is chosen, before the command's handler runs. */
  onPath?: (path: ParsePath) => void;
}

/**
 * `jailsmith ARGS`. Everything after the first `--` is split off before yargs sees it and reaches
 * the command as args['--'] (a string[], byte for byte: no number parsing, `--json` there is the
 * job's), except under completion, where the words of the line being edited go to yargs whole.
 * `table` is the list of commands (tests pass stand-ins).
 */
export async function main(
  argv: string[],
  table: readonly CommandEntry[] = commands,
  opts: MainOptions = {},
): Promise<void> {
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
    if (!completing && opts.fast !== false && (await fastPath(head, tail, io, table, opts))) return;
    opts.onPath?.('yargs');
    await parse(head, tail, io, table);
  } catch (e) {
    process.exitCode = reportError(e, io, flags);
  }
}

/**
 * Runs the command through fast-args.ts when it can vouch for the line; false (nothing run) when
 * yargs must handle it. The command's module loads either way: yargs would load it too.
 */
async function fastPath(
  head: string[],
  tail: string[],
  io: Io,
  table: readonly CommandEntry[],
  opts: MainOptions,
): Promise<boolean> {
  const { commandWord, fastArgs } = await import('./fast-args.js');
  const word = commandWord(head);
  const entry =
    word === undefined
      ? undefined
      : table.find((c) => commandName(c) === word || (c.aliases ?? []).includes(word));
  if (word === undefined || entry === undefined) return false;
  const mod = await entry.load();
  let args: Record<string, unknown> | null;
  try {
    args = fastArgs(head, word, entry.command, mod.builder);
  } catch {
    return false; // a fault of the fast path: yargs, the reference, takes the line
  }
  if (args === null) return false;
  opts.onPath?.('fast');
  await runHandler(entry, mod, args, tail, io);
  return true;
}

async function parse(head: string[], tail: string[], io: Io, table: readonly CommandEntry[]): Promise<void> {
  const { default: yargs } = await import('yargs');
  const names = new Set(table.map(commandName));
  const parser = yargs(head)
    .scriptName(SCRIPT_NAME)
    .usage('$0 <command> [options]\n\nBuild, audit, ship and run minimal chroot jails.')
    .options(GLOBAL_OPTIONS)
    .completion(COMPLETION_COMMAND, false)
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
    handler: async (args) => runHandler(entry, await load(), args, tail, io),
  };
  if (entry.aliases) cmd.aliases = [...entry.aliases];
  return cmd;
}

/** Runs a command's handler with the tail as args['--'] (or refuses a tail it does not take). */
async function runHandler(
  entry: CommandEntry,
  mod: AnyCommand,
  args: Record<string, unknown>,
  tail: string[],
  io: Io,
): Promise<void> {
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
  await mod.handler(args as Parameters<AnyCommand['handler']>[0]);
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
