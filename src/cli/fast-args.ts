// The fast path of the command line: the args object a command's handler gets, built with
// yargs-parser alone (~2 ms) instead of yargs (~45 ms of CPU for cliui, string-width, y18n...).
// It models the part of yargs our command modules use (builder-model.ts) and answers null for
// anything else (help, version, completion, an unknown option, a bad choice, a missing
// positional, a builder method it does not know): main.ts then runs the full yargs path, which
// prints today's messages and exit codes. Each step below mirrors the yargs 18 code named in its
// comment; test/cli/fast-args.test.ts checks the result against what yargs hands the handler.
import parser from 'yargs-parser';
import { cmdToParseOptions, type Dict, globalModel, type Hints, parseCommand } from './builder-model.js';
import { COMPLETION_COMMAND, SCRIPT_NAME } from './global-options.js';

const MAIN_CONFIG = { 'parse-positional-numbers': false, 'populate--': true };

function detailed(args: readonly string[], hints: Hints, configuration: Dict<boolean>) {
  return parser.detailed([...args], { ...hints, configuration } as unknown as parser.Options);
}

/** A word yargs would read as --help, or as its completion command, wherever it stands. */
function special(argv: Dict<unknown>, words: readonly unknown[]): boolean {
  return (
    ['help', 'h', 'version'].some((k) => Object.hasOwn(argv, k)) ||
    words.some((w) => w === 'help' || w === COMPLETION_COMMAND)
  );
}

/**
 * The command word yargs would run for `head` (the first non-option word once the global options
 * are read), or undefined when the line is one for yargs itself (help, version, a parse error).
 */
export function commandWord(head: readonly string[]): string | undefined {
  // A first word that is no option is the command word: nothing before it could take it as a
  // value. fastArgs' own parse still catches help, version and completion anywhere on the line.
  const first = head[0];
  if (first !== undefined && !first.startsWith('-')) return first === 'help' ? undefined : first;
  const p = detailed(head, globalModel().hints, MAIN_CONFIG);
  const argv = p.argv as Dict<unknown> & { _: unknown[] };
  if (p.error || special(argv, argv._) || argv._.length === 0) return undefined;
  return String(argv._[0]);
}

/**
 * The args object yargs would hand the handler of the command `command` (its command string, as
 * in the table), typed as `word`, whose builder is `builder`, for the line `head` (the part before
 * the first `--`); null when the line needs yargs (see the file comment). args['--'] is main.ts's.
 */
export function fastArgs(
  head: readonly string[],
  word: string,
  command: string,
  builder: unknown,
): Dict<unknown> | null {
  const model = globalModel(command);
  try {
    const api = model.api();
    if (typeof builder === 'function') {
      const out = builder(api, false);
      if (out !== api && out !== undefined) return null; // a promise, or a yargs of its own
    } else if (builder && typeof builder === 'object') {
      for (const [k, o] of Object.entries(builder)) model.option(k, o as Dict<unknown>);
    }
  } catch {
    return null; // the builder fails on yargs' path too, with yargs' message
  }
  if (model.unsupported !== undefined) return null;
  const { hints, conflicts } = model;

  // yargs-factory runYargsParserAndExecuteCommands: the whole line, under the command's options.
  const parsed = detailed(head, hints, MAIN_CONFIG);
  if (parsed.error) return null;
  const argv = parsed.argv as Dict<unknown> & { _: unknown[] };
  if (special(argv, argv._) || argv._[0] !== word) return null;
  argv.$0 = SCRIPT_NAME;

  // command.js populatePositionals: each positional takes its word(s), in command-string order.
  const rest = argv._.slice(1);
  const { demanded, optional } = parseCommand(command);
  if (rest.length < demanded.length) return null; // "Not enough non-option arguments"
  const positionalMap: Dict<unknown> = {};
  for (const p of [...demanded, ...optional]) {
    const name = p.cmd[0] as string;
    if (p.variadic) positionalMap[name] = rest.splice(0).map(String);
    else if (rest.length > 0) positionalMap[name] = [String(rest.shift())];
  }
  if (rest.length > 0) return null; // strict: "Unknown argument"
  argv._ = [word];
  if (!postProcessPositionals(argv, positionalMap, command, hints)) return null;

  // validation.js, as runValidation calls it.
  for (const k of Object.keys(hints.demandedOptions)) if (argv[k] === undefined) return null;
  const SPECIAL = ['$0', '--', '_'];
  for (const k of Object.keys(argv)) {
    if (SPECIAL.includes(k) || Object.hasOwn(positionalMap, k)) continue;
    if (!Object.hasOwn(parsed.aliases, k)) return null;
    const fresh = parsed.newAliases;
    const aliases = parsed.aliases[k] ?? [];
    if (!aliases.concat(k).some((a) => !Object.hasOwn(fresh, a) || !fresh[k])) return null;
  }
  for (const k of Object.keys(argv)) {
    if (SPECIAL.includes(k) || !Object.hasOwn(hints.choices, k)) continue;
    const allowed = hints.choices[k] as unknown[];
    if (([] as unknown[]).concat(argv[k]).some((v) => v !== undefined && !allowed.includes(v))) return null;
  }
  for (const k of Object.keys(argv)) {
    for (const other of conflicts[k] ?? []) {
      if (other && argv[k] !== undefined && argv[other] !== undefined) return null;
    }
  }

  // yargs-factory postProcess: `--` words join _ (there are none: main split them off) and
  // number-like words in _ become numbers.
  if (Array.isArray(argv['--'])) {
    argv._.push(...argv['--']);
    delete argv['--'];
  }
  argv._ = argv._.map((a) =>
    parser.looksLikeNumber(a as string) && Number.isSafeInteger(Math.floor(Number.parseFloat(`${a}`)))
      ? Number(a)
      : a,
  );
  return argv;
}

/**
 * command.js postProcessPositionals: the positionals' words parsed again as `--name word`, under
 * the positionals' own types, and copied onto argv with their aliases. False on a parse error.
 */
function postProcessPositionals(
  argv: Dict<unknown>,
  positionalMap: Dict<unknown>,
  command: string,
  hints: Hints,
): boolean {
  const fromCmd = cmdToParseOptions(command);
  const alias = { ...hints.alias };
  for (const k of Object.keys(fromCmd.alias)) alias[k] = (alias[k] ?? []).concat(fromCmd.alias[k] ?? []);
  const options: Hints = {
    ...hints,
    default: Object.assign(fromCmd.default, hints.default),
    alias,
    array: hints.array.concat(fromCmd.array),
    config: {},
  };
  const unparsed: string[] = [];
  for (const [k, words] of Object.entries(positionalMap)) {
    for (const w of words as string[]) unparsed.push(`--${k}`, w);
  }
  if (unparsed.length === 0) return true;
  const parsed = detailed(unparsed, options, { 'populate--': false });
  if (parsed.error) return false;
  const keys = Object.keys(positionalMap);
  for (const k of Object.keys(positionalMap)) keys.push(...(parsed.aliases[k] ?? []));
  const defaulted = (k: string) =>
    Object.hasOwn(hints.default, k) || Object.hasOwn(hints.default, parser.camelCase(k));
  for (const [k, v] of Object.entries(parsed.argv)) {
    if (!keys.includes(k)) continue;
    if (!positionalMap[k]) positionalMap[k] = v;
    if (!defaulted(k) && Object.hasOwn(argv, k) && (Array.isArray(argv[k]) || Array.isArray(v))) {
      argv[k] = ([] as unknown[]).concat(argv[k], v);
    } else {
      argv[k] = v;
    }
  }
  return true;
}
