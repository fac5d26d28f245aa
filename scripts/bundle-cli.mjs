// Bundles the CLI (dist/cli/main.js and everything it imports, each command a lazy chunk) into
// dist/bundle/ with esbuild. Node then loads a handful of files to start a command instead of a
// hundred modules, each resolved and compiled on its own: most of the CLI's start-up time.
// The library (dist/index.js) stays unbundled for importers.
//
// `jailsmith run` gets a second entry, dist/bundle/run-main.js (bin/jailsmith picks it for run
// lines): the same main(), with the run command, the run engine and the argument parser in that
// one file, tree-shaken to what they use. A job start is where start-up counts, and the split
// bundle spreads that path over some twenty shared chunks, each a module load. What the run path
// reaches only now and then (a spec, an image pull, --probe, the audit behind the gate, yargs for
// usage errors, other commands) stays in the split bundle's chunks, imported from there.
import { rmSync, writeFileSync } from 'node:fs';
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
/** Loaded by every run line: in run-main.js itself. */
const RUN_PATH = ['dist/cli/fast-args.js', 'dist/cli/commands/run.js', 'dist/run/run-jail.js', 'dist/run/uid-pool.js'].map(
  (p) => path.join(root, p),
);
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
      const target = resolved.path;
      if (RUN_PATH.includes(target)) return undefined;
      const chunk = chunkOf.get(target);
      if (!chunk) return { errors: [{ text: `no chunk of the split bundle holds ${args.path} (from ${args.importer})` }] };
      return { path: `./${chunk}`, external: true };
    });
  },
};
const runMain = await build({ ...common, outfile: path.join(outdir, 'run-main.js'), plugins: [toSplitChunks] });

// What each chunk holds, for tests that check which code a command line loads (chunk names carry
// a hash): the module it is the entry of, the npm packages bundled into it, and (run-main.js) the
// lazily imported modules it holds itself.
const meta = {};
for (const { metafile } of [split, runMain]) {
  for (const [file, out] of Object.entries(metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    const packages = new Set();
    for (const input of Object.keys(out.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (m) packages.add(m[1]);
    }
    meta[path.basename(file)] = { entryPoint: out.entryPoint ?? null, packages: [...packages].sort() };
  }
}
meta['run-main.js'].holds = RUN_PATH.map((p) => path.relative(root, p));
writeFileSync(path.join(outdir, 'meta.json'), `${JSON.stringify(meta, null, 1)}\n`);
