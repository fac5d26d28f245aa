import type { ArgumentsCamelCase } from 'yargs';
import { isJailError, machineFault } from '../errors.js';
import { type GlobalOptions, type Io, processIo } from './io.js';

export type Handler<A> = (args: ArgumentsCamelCase<A & GlobalOptions>, io: Io) => Promise<number | undefined>;

/**
 * Wraps a command handler: JailErrors become one line and their exit code (2 by default);
 * anything else is a bug and prints its stack with a request to report it.
 */
// biome-ignore lint/complexity/noBannedTypes: yargs' own default for commands without arguments
export function action<A = {}>(handler: Handler<A>, io: Io = processIo()) {
  return async (args: ArgumentsCamelCase<A>): Promise<void> => {
    try {
      process.exitCode = (await handler(args as ArgumentsCamelCase<A & GlobalOptions>, io)) ?? 0;
    } catch (e) {
      process.exitCode = reportError(e, io, args as Partial<GlobalOptions>);
    }
  };
}

const MAX_LINE = 300;

export function reportError(thrown: unknown, io: Io, opts: Partial<GlobalOptions>): number {
  // A full disk, a read-only file system, an I/O error: the machine's fault, a user error (exit 2).
  const e = machineFault(thrown);
  if (isJailError(e)) {
    if (opts.json) {
      io.err(JSON.stringify({ error: e.toJSON() }));
    }
    const where = e.path !== undefined ? ` (${e.path})` : '';
    // One line, whatever the thrower wrote: yargs' own messages span several.
    const one = e.message.replace(/:\s*\n\s*/g, ': ').replace(/\s*\n\s*/g, '; ');
    // A quoted line of a binary file can run to kilobytes of escapes; the start says enough.
    const what = one.length > MAX_LINE ? `${one.slice(0, MAX_LINE)}…` : one;
    io.err(`jailsmith: ${what}${where}`);
    if (e.hint) io.err(`hint: ${e.hint}`);
    if (opts.debug && e.stack) io.err(e.stack);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  io.err(`jailsmith: internal error: ${err.message}`);
  io.err(err.stack ?? '');
  io.err('This is a bug in jailsmith; please report it with the command line that caused it.');
  return 70;
}
