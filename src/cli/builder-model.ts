// A recording stand-in for the yargs builder API (the part our command modules use): it turns a
// command's builder into the parser hints yargs would hand yargs-parser, mirroring yargs 18's
// option(), positional() and their helpers; any call it does not model marks it unsupported, and
// the fast path (fast-args.ts) then leaves the line to yargs.
import { GLOBAL_OPTIONS } from './global-options.js';

export type Dict<T> = Record<string, T>;

/** The parser hints yargs keeps (its `options` object) and hands to yargs-parser. */
export interface Hints {
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
export function parseCommand(cmd: string): { demanded: Positional[]; optional: Positional[] } {
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
export function cmdToParseOptions(cmd: string) {
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
export class Model {
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
export function globalModel(command?: string): Model {
  const m = new Model(command);
  m.hints.boolean.push('help');
  m.hints.key.help = true;
  for (const [k, o] of Object.entries(GLOBAL_OPTIONS)) m.option(k, { ...o });
  m.hints.boolean.push('version');
  m.hints.key.version = true;
  m.alias('help', 'h');
  return m;
}
