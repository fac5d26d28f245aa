/**
 * The options every command line takes, in one place: main.ts declares them to yargs and the fast
 * path (fast-args.ts) models them, so the two cannot drift apart.
 */
export const GLOBAL_OPTIONS = {
  json: { type: 'boolean', default: false, describe: 'Machine-readable output' },
  quiet: { alias: 'q', type: 'boolean', default: false, describe: 'Print only errors' },
  verbose: { alias: 'v', type: 'count', describe: 'More detail (repeatable)' },
  debug: { type: 'boolean', default: false, describe: 'Show stack traces for errors' },
} as const;

/** The name main.ts gives yargs (`$0` in every args object). */
export const SCRIPT_NAME = 'jailsmith';

/** yargs' hidden completion command (`.completion(COMPLETION_COMMAND, false)`). */
export const COMPLETION_COMMAND = '__complete';
