// Bundles the CLI (dist/cli/main.js and everything it imports, each command a lazy chunk) into
// dist/bundle/ with esbuild. Node then loads a handful of files to start a command instead of a
// hundred modules, each resolved and compiled on its own: most of the CLI's start-up time.
// The library (dist/index.js) stays unbundled for importers.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist/bundle');
rmSync(outdir, { recursive: true, force: true });
const { metafile } = await build({
  entryPoints: [path.join(root, 'dist/cli/main.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  metafile: true,
  // CommonJS dependencies (fs-extra...) call require(): give the ESM chunks a real one.
  banner: { js: "import { createRequire as __jailsmithRequire } from 'node:module'; const require = __jailsmithRequire(import.meta.url);" },
});

// What each chunk holds, for tests that check which code a command line loads (chunk names carry
// a hash): the module it is the entry of, and the npm packages bundled into it.
const meta = {};
for (const [file, out] of Object.entries(metafile.outputs)) {
  if (!file.endsWith('.js')) continue;
  const packages = new Set();
  for (const input of Object.keys(out.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) packages.add(m[1]);
  }
  meta[path.basename(file)] = { entryPoint: out.entryPoint ?? null, packages: [...packages].sort() };
}
writeFileSync(path.join(outdir, 'meta.json'), `${JSON.stringify(meta, null, 1)}\n`);
