import path from 'node:path';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import type { LoaderResolver } from '../../resolve/resolver.js';
import type { Dependencies, DependencyEdge, ResolveOptions } from '../../resolve/types.js';
import { example } from '../example.js';
import { type Io, printJson } from '../io.js';
import { action } from '../run-command.js';

interface DepsArgs {
  root?: string;
  tree: boolean;
  hwcaps?: string;
  file: string[];
}

/** `--hwcaps host|baseline|x86-64-v3,x86-64-v2`. */
function parseHwcaps(v: string | undefined): ResolveOptions['hwcaps'] {
  if (v === undefined || v === 'host' || v === 'baseline') return v;
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0 || list.some((s) => !/^[\w.-]+$/.test(s)))
    throw new UsageError('USAGE', `--hwcaps takes host, baseline or a comma-separated list, not '${v}'`);
  return list;
}

/** Lines for the flat view: each object once, in load order, like lddtree -l but with names. */
function flatLines(d: Dependencies): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of d.edges ?? []) {
    const key = e.path ?? `\0${e.name}`;
    if (seen.has(key) || (e.path !== null && e.path === d.interpreter)) continue;
    seen.add(key);
    out.push(`    ${e.name} => ${e.path ?? 'not found'}`);
  }
  return out;
}

/** Lines for the tree view: each object's subtree is expanded the first time it appears. */
function treeLines(file: string, d: Dependencies): string[] {
  const children = new Map<string, DependencyEdge[]>();
  for (const e of d.edges ?? []) {
    const list = children.get(e.from);
    if (list) list.push(e);
    else children.set(e.from, [e]);
  }
  const out: string[] = [];
  const expanded = new Set<string>([file]);
  const walk = (node: string, depth: number): void => {
    for (const e of children.get(node) ?? []) {
      out.push(`${'    '.repeat(depth)}${e.name} => ${e.path ?? 'not found'}`);
      if (e.path !== null && !expanded.has(e.path)) {
        expanded.add(e.path);
        walk(e.path, depth + 1);
      }
    }
  };
  walk(file, 1);
  return out;
}

function print(io: Io, file: string, d: Dependencies, tree: boolean, verbose: boolean): void {
  const head = d.interpreter ? `${file} (interpreter => ${d.interpreter})` : `${file} (interpreter => none)`;
  // -v: what a jail must hold for it, symlinks on the way included (what plan copies).
  const files = verbose
    ? [`  files a jail needs (${d.files.length}):`, ...d.files.map((f) => `    ${f}`)]
    : [];
  io.out([head, ...(tree ? treeLines(file, d) : flatLines(d)), ...files].join('\n'));
}

export const depsCommand: CommandModule<object, DepsArgs> = {
  command: 'deps <file..>',
  describe: 'List the files a program needs, resolved like the dynamic loader (nothing is run)',
  builder: (y) =>
    y
      .positional('file', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Programs, as paths inside the root',
      })
      .option('root', { type: 'string', describe: 'Source root to resolve inside (default /)' })
      .option('tree', { type: 'boolean', default: false, describe: 'Show the dependency tree' })
      .option('hwcaps', {
        type: 'string',
        describe: 'glibc-hwcaps subdirectories: host, baseline or a list',
      })
      .example(...example('$0 deps /usr/bin/python3', 'each library once, in load order, like ldd'))
      .example(...example('$0 deps --root /srv/debian-arm64 /bin/ls --tree', 'a foreign root, as a tree')),
  handler: action<DepsArgs>(async (args, io) => {
    // Loaded on use so that other commands do not pay for the resolver at start-up.
    const { createResolverSync } = await import('../../resolve/resolver.js');
    const resolver = createResolverSync({ root: args.root, hwcaps: parseHwcaps(args.hwcaps) });
    const src = resolver.source;
    const results: Record<string, Dependencies> = {};
    let missing = false;
    for (const file of args.file) {
      const d = resolver.resolveSync(inRootPath(file, src)) as Dependencies;
      results[file] = d;
      if (d.missing.length > 0) missing = true;
      if (!args.json && !args.quiet) print(io, file, d, args.tree, args.verbose > 0);
    }
    if (args.json) {
      const out: Record<string, Pick<Dependencies, 'interpreter' | 'closure' | 'missing'>> = {};
      for (const [k, d] of Object.entries(results))
        out[k] = { interpreter: d.interpreter, closure: d.closure, missing: d.missing };
      printJson(io, out);
    }
    return missing ? 1 : 0;
  }),
};

/**
 * A FILE argument as an in-root path: absolute paths are in-root, but a host path under --root
 * (the shell's completion gives those) is accepted when the in-root reading does not exist.
 */
function inRootPath(file: string, src: LoaderResolver['source']): string {
  const abs = file.startsWith('/')
    ? file
    : src.isHost
      ? path.resolve(file)
      : (src.fromHost(path.resolve(file)) ?? `/${file}`);
  if (src.isHost) return abs;
  const asHost = src.fromHost(abs);
  if (asHost !== null && src.realpath(abs) === null) return asHost;
  return abs;
}
