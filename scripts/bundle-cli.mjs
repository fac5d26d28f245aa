// Bundles the CLI (dist/cli/main.js and everything it imports, each command a lazy chunk) into
// dist/bundle/ with esbuild. Node then loads a handful of files to start a command instead of a
// hundred modules, each resolved and compiled on its own: most of the CLI's start-up time.
// The library (dist/index.js) stays unbundled for importers.
//
// The commands where start-up counts most (a job start, a no-op rebuild, an audit) get an entry of
// their own, dist/bundle/<command>-main.cjs, which bin/jailsmith picks for their lines: the same
// main(), with that command's path (its module, the argument parser, the library code every such
// line runs) in the one file, tree-shaken to what it uses. The split bundle spreads such a path
// over some twenty shared chunks, each a module load. What a line reaches only now and then (a
// spec for run, an image pull, --probe, yargs for usage errors, other commands) stays in the split
// bundle's chunks, imported from there.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist/bundle');
rmSync(outdir, { recursive: true, force: true });
const common = {
  entryPoints: [path.join(root, 'dist/cli/main.js')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  metafile: true,
  // CommonJS dependencies (fs-extra...) call require(): give the ESM chunks a real one.
  banner: { js: "import { createRequire as __jailsmithRequire } from 'node:module'; const require = __jailsmithRequire(import.meta.url);" },
};
const split = await build({ ...common, outdir, splitting: true });

/** Each module a dynamic import reaches in the split bundle, by source path: its chunk. */
const chunkOf = new Map();
for (const [file, out] of Object.entries(split.metafile.outputs)) {
  if (out.entryPoint) chunkOf.set(path.join(root, out.entryPoint), path.basename(file));
}
/** Each hot command: the lazily imported modules its lines load every time, held in its own entry. */
const HOT = {
  run: ['dist/cli/commands/run.js', 'dist/run/run-jail.js', 'dist/run/uid-pool.js'],
  build: ['dist/cli/commands/build.js', 'dist/build/build-jail.js'],
  audit: [
    'dist/cli/commands/audit.js',
    'dist/audit/audit.js',
    'dist/audit/registry.js',
    'dist/audit/reporters/json.js',
    'dist/audit/reporters/sarif.js',
    'dist/audit/reporters/text.js',
    'dist/resolve/index.js',
  ],
};
// A hot entry's import() of a split chunk goes through a function the code cache's loader provides:
// compiled by vm.Script from cached data, Node 20 loses a script's import() callback (it throws
// ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING). Required the usual way, the entry imports itself.
const IMPORT_HOOK =
  "const __jailsmithImport = globalThis[Symbol.for('jailsmith.import')] || ((s) => import(s));";

/** Rewrites the entry's import("./chunk.js") calls to the hook; any other import() fails the build. */
function routeImports(file) {
  const text = readFileSync(file, 'utf8');
  const routed = text.replace(/\bimport\("(\.\/[A-Za-z0-9_.-]+\.js)"\)/g, '__jailsmithImport("$1")');
  const rest = routed.split(IMPORT_HOOK).join('').match(/\bimport\(.{0,40}/g);
  if (rest) throw new Error(`${path.basename(file)}: an import() not of a split chunk: ${rest[0]}`);
  writeFileSync(file, routed);
}

const hotEntries = [];
for (const [command, modules] of Object.entries(HOT)) {
  const held = ['dist/cli/fast-args.js', ...modules].map((p) => path.join(root, p));
  const toSplitChunks = {
    name: 'dynamic-imports-to-split-chunks',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind !== 'dynamic-import' || args.pluginData?.inner) return undefined;
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { inner: true },
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (held.includes(resolved.path)) return undefined;
        const chunk = chunkOf.get(resolved.path);
        if (!chunk) return { errors: [{ text: `no chunk of the split bundle holds ${args.path} (from ${args.importer})` }] };
        return { path: `./${chunk}`, external: true };
      });
    },
  };
  // CommonJS, so bin/jailsmith can require() it: no ESM loader to start for these lines (about
  // 7 ms); the split chunks it reaches now and then are import()ed, ESM as they are.
  const file = `${command}-main.cjs`;
  const result = await build({
    ...common,
    format: 'cjs',
    outfile: path.join(outdir, file),
    plugins: [toSplitChunks],
    define: { 'import.meta.url': '__jailsmithUrl', 'import.meta.dirname': '__dirname' },
    banner: { js: `const __jailsmithUrl = require('node:url').pathToFileURL(__filename).href;\n${IMPORT_HOOK}` },
  });
  routeImports(path.join(outdir, file));
  hotEntries.push({ file, held, metafile: result.metafile });
}

// bin/jailsmith loads a hot entry through the code cache's loader (src/cli/code-cache.ts), itself
// a CommonJS file of its own: it runs before any bundle.
const cacheLoader = await build({
  ...common,
  entryPoints: [path.join(root, 'dist/cli/code-cache.js')],
  format: 'cjs',
  outfile: path.join(outdir, 'code-cache.cjs'),
  banner: {},
});

// What each chunk holds, for tests that check which code a command line loads (chunk names carry
// a hash): the module it is the entry of, the npm packages bundled into it, and (a hot command's
// entry) the lazily imported modules it holds itself.
const meta = {};
for (const { metafile } of [split, ...hotEntries, cacheLoader]) {
  for (const [file, out] of Object.entries(metafile.outputs)) {
    if (!file.endsWith('.js') && !file.endsWith('.cjs')) continue;
    const packages = new Set();
    for (const input of Object.keys(out.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (m) packages.add(m[1]);
    }
    meta[path.basename(file)] = { entryPoint: out.entryPoint ?? null, packages: [...packages].sort() };
  }
}
for (const { file, held } of hotEntries) meta[file].holds = held.map((p) => path.relative(root, p));
writeFileSync(path.join(outdir, 'meta.json'), `${JSON.stringify(meta, null, 1)}\n`);
