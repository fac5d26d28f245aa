// The fast path of the command line: the args object a command's handler gets, built with
// yargs-parser alone (~2 ms) instead of yargs (~45 ms of CPU for cliui, string-width, y18n...).
// It models the part of yargs our command modules use and answers null for anything else (help,
// version, completion, an unknown option, a bad choice, a missing positional, a builder method it
// does not know): main.ts then runs the full yargs path, which prints today's messages and exit
// codes. Each step below mirrors the yargs 18 code named in its comment; test/cli/fast-args.test.ts
// checks the result against what yargs hands the handler, command by command.
import parser from 'yargs-parser';
import { COMPLETION_COMMAND, GLOBAL_OPTIONS, SCRIPT_NAME } from './global-options.js';

type Dict<T> = Record<string, T>;

/** The parser hints yargs keeps (its `options` object) and hands to yargs-parser. */
interface Hints {
  local: string[];
  configObjects: unknown[];
  array: string[];
  boolean: string[];
  string: string[];
  number: string[];
  count: string[];
  normalize: string[];
  skipValidation: string[];
  hiddenOptions: string[];
  narg: Dict<number>;
  key: Dict<boolean>;
  alias: Dict<string[]>;
  default: Dict<unknown>;
  config: Dict<unknown>;
  choices: Dict<unknown[]>;
  demandedOptions: Dict<string | undefined>;
}

interface Positional {
  cmd: string[];
  variadic: boolean;
}

/** yargs' parseCommand (lib/parse-command.js): the positionals of a command string. */
function parseCommand(cmd: string): { demanded: Positional[]; optional: Positional[] } {
  const words = cmd.replace(/\s{2,}/g, ' ').split(/\s+(?![^[]*]|[^<]*>)/);
  words.shift();
  const out = { demanded: [] as Positional[], optional: [] as Positional[] };
  words.forEach((w, i) => {
    const word = w.replace(/\s/g, '');
    const p = {
      cmd: word.replace(/\.*[\][<>]/g, '').split('|'),
      variadic: /\.+[\]>]/.test(word) && i === words.length - 1,
    };
    (word.startsWith('[') ? out.optional : out.demanded).push(p);
  });
  return out;
}

/** yargs' cmdToParseOptions (lib/command.js): what the command string itself says about parsing. */
function cmdToParseOptions(cmd: string) {
  const o = {
    array: [] as string[],
    default: {} as Dict<unknown>,
    alias: {} as Dict<string[]>,
    demand: {} as Dict<boolean>,
  };
  const { demanded, optional } = parseCommand(cmd);
  for (const [list, demand] of [
    [demanded, true],
    [optional, false],
  ] as const) {
    for (const p of list) {
      const [name, ...aliases] = p.cmd as [string, ...string[]];
      if (p.variadic) {
        o.array.push(name);
        o.default[name] = [];
      }
      o.alias[name] = aliases;
      if (demand) o.demand[name] = true;
    }
  }
  return o;
}

const OPTION_KEYS = new Set([
  'type',
  'alias',
  'default',
  'choices',
  'demand',
  'demandOption',
  'describe',
  'description',
  'desc',
  'defaultDescription',
  'array',
  'conflicts',
]);
const TYPES = new Set(['boolean', 'string', 'number', 'count']);
/** yargs' positional() drops every other key (and any other type) before calling option(). */
const POSITIONAL_KEYS = new Set([
  'default',
  'defaultDescription',
  'implies',
  'normalize',
  'choices',
  'conflicts',
  'coerce',
  'type',
  'describe',
  'desc',
  'description',
  'alias',
]);

/** A recording stand-in for the yargs builder API: the calls it models, or why it cannot. */
class Model {
  readonly hints: Hints = {
    local: ['_'],
    configObjects: [],
    array: [],
    boolean: [],
    string: [],
    number: [],
    count: [],
    normalize: [],
    skipValidation: [],
    hiddenOptions: [],
    narg: {},
    key: {},
    alias: {},
    default: {},
    config: {},
    choices: {},
    demandedOptions: {},
  };
  readonly conflicts: Dict<string[]> = {};
  /** The first call the model cannot vouch for: the fast path is off. */
  unsupported: string | undefined;

  constructor(private readonly command?: string) {}

  private refuse(why: string): void {
    this.unsupported ??= why;
  }

  private push(list: string[], keys: string | readonly string[]): void {
    list.push(...([] as string[]).concat(keys));
  }

  private track(keys: string | readonly string[]): void {
    for (const k of ([] as string[]).concat(keys)) this.hints.key[k] = true;
  }

  /** yargs' option(key, opt), the keys listed in OPTION_KEYS. */
  option(key: string, opt: Dict<unknown> = {}): void {
    const extra = Object.keys(opt).filter((k) => !OPTION_KEYS.has(k));
    if (extra.length > 0) {
      this.refuse(`option ${key}: ${extra.join(', ')}`);
      return;
    }
    if (opt.type !== undefined && !TYPES.has(opt.type as string)) {
      this.refuse(`option ${key}: type`);
      return;
    }
    if (typeof opt.default === 'function') {
      this.refuse(`option ${key}: default function`);
      return;
    }
    const h = this.hints;
    const alias = opt.alias as string | string[] | undefined;
    h.key[key] = true;
    if (alias) this.alias(key, alias);
    if (opt.demand === true) h.demandedOptions[key] = undefined;
    else if (opt.demand !== undefined) {
      this.refuse(`option ${key}: demand`);
      return;
    }
    if (opt.demandOption) {
      h.demandedOptions[key] = typeof opt.demandOption === 'string' ? opt.demandOption : undefined;
    }
    if (opt.conflicts) this.conflict(key, opt.conflicts as string | string[]);
    if ('default' in opt) h.default[key] = opt.default;
    if (opt.choices) h.choices[key] = (h.choices[key] ?? []).concat(opt.choices);
    for (const [flag, list] of [
      ['boolean', h.boolean],
      ['array', h.array],
      ['number', h.number],
      ['string', h.string],
    ] as const) {
      if (opt.type === flag || (flag === 'array' && opt.array)) {
        this.push(list, key);
        this.track(key);
        if (alias) {
          this.push(list, alias);
          this.track(alias);
        }
      }
    }
    if (opt.type === 'count') {
      this.push(h.count, key);
      this.track(key);
    }
  }

  /** yargs' positional(key, opts): filtered, then completed from the command string. */
  positional(key: string, opts: Dict<unknown>): void {
    const kept: Dict<unknown> = {};
    for (const [k, v] of Object.entries(opts)) {
      if (k === 'type' && !['string', 'number', 'boolean'].includes(v as string)) continue;
      if (POSITIONAL_KEYS.has(k)) kept[k] = v;
    }
    for (const k of ['implies', 'normalize', 'coerce'])
      if (k in kept) {
        this.refuse(`positional ${key}: ${k}`);
        return;
      }
    if (this.command !== undefined) {
      const p = cmdToParseOptions(this.command);
      if (p.array.includes(key)) kept.array = true;
      for (const pk of ['default', 'alias', 'demand'] as const) {
        if (p[pk][key] && !(pk in kept)) kept[pk] = p[pk][key];
      }
    }
    this.option(key, kept);
  }

  alias(key: string, value: string | string[]): void {
    this.hints.alias[key] = (this.hints.alias[key] ?? []).concat(value);
  }

  conflict(key: string, value: string | string[]): void {
    this.conflicts[key] = (this.conflicts[key] ?? []).concat(value);
  }

  demandOption(keys: string | string[], msg?: string): void {
    for (const k of ([] as string[]).concat(keys)) this.hints.demandedOptions[k] = msg;
  }

  /** The yargs-like object a builder is given: modelled calls record, any other call refuses. */
  api(): object {
    const noop = () => proxy;
    const methods: Dict<(...a: never[]) => unknown> = {
      option: (key: string | Dict<Dict<unknown>>, opt?: Dict<unknown>) => {
        if (typeof key === 'string') this.option(key, opt);
        else for (const [k, o] of Object.entries(key)) this.option(k, o);
        return proxy;
      },
      positional: (key: string, opts: Dict<unknown>) => {
        this.positional(key, opts);
        return proxy;
      },
      alias: (key: string, value: string | string[]) => {
        if (typeof key !== 'string') this.refuse('alias object');
        else this.alias(key, value);
        return proxy;
      },
      conflicts: (key: string | Dict<string | string[]>, value?: string | string[]) => {
        if (typeof key === 'string' && value !== undefined) this.conflict(key, value);
        else if (typeof key === 'object') for (const [k, v] of Object.entries(key)) this.conflict(k, v);
        else this.refuse('conflicts');
        return proxy;
      },
      demandOption: (keys: string | string[], msg?: string) => {
        if (typeof keys === 'object' && !Array.isArray(keys)) this.refuse('demandOption object');
        else this.demandOption(keys, msg);
        return proxy;
      },
      example: noop,
      epilog: noop,
      epilogue: noop,
      // With more than a message, usage() defines a default command: not modelled.
      usage: (...a: unknown[]) => {
        if (a.length > 1) this.refuse('usage with a command');
        return proxy;
      },
    };
    methods.options = methods.option as (typeof methods)[string];
    const proxy: object = new Proxy(
      {},
      {
        get: (_t, prop) => {
          if (typeof prop !== 'string' || prop === 'then') return undefined;
          if (Object.hasOwn(methods, prop)) return methods[prop];
          return () => {
            this.refuse(prop);
            return proxy;
          };
        },
      },
    );
    return proxy;
  }
}

/** The options main.ts gives the top-level yargs: help (yargs' own), the globals, then version. */
function globalModel(command?: string): Model {
  const m = new Model(command);
  m.hints.boolean.push('help');
  m.hints.key.help = true;
  for (const [k, o] of Object.entries(GLOBAL_OPTIONS)) m.option(k, { ...o });
  m.hints.boolean.push('version');
  m.hints.key.version = true;
  m.alias('help', 'h');
  return m;
}

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
