import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, REPO } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

/**
 * Which modules a command line loads, logged by a module resolve hook: the start-up cost of the
 * CLI is its imports, and this checks them without timing anything.
 */
const dir = tmpDir('jailsmith-lazy-');
writeFileSync(
  path.join(dir, 'hook.mjs'),
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.MODULE_LOG, r.url + '\\n');
  return r;
}`,
);
writeFileSync(
  path.join(dir, 'register.mjs'),
  `import { register } from 'node:module';\nregister(new URL('./hook.mjs', import.meta.url));`,
);
// require() is not seen by the resolve hook (bin/jailsmith requires the hot commands' entries).
writeFileSync(
  path.join(dir, 'require-log.cjs'),
  `const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const out = load.apply(this, arguments);
  const file = Module._resolveFilename(request, parent, isMain);
  const name = Module.isBuiltin(file) ? 'node:' + file.replace(/^node:/, '') : pathToFileURL(file).href;
  appendFileSync(process.env.MODULE_LOG, name + '\\n');
  return out;
};`,
);

/**
 * What each bundle chunk holds (scripts/bundle-cli.mjs writes it): chunk names carry a hash.
 * A hot command's entry (run-main.cjs...) also lists the lazily imported modules it holds itself.
 */
const meta: Record<string, { entryPoint: string | null; packages: string[]; holds?: string[] }> = JSON.parse(
  readFileSync(path.join(REPO, 'dist/bundle/meta.json'), 'utf8'),
);

let n = 0;
async function loaded(args: string[]): Promise<{ exitCode: number; chunks: string[] }> {
  const log = path.join(dir, `log-${n++}`);
  writeFileSync(log, '');
  const hooks = ['--require', path.join(dir, 'require-log.cjs'), '--import', path.join(dir, 'register.mjs')];
  const r = await execa(process.execPath, [...hooks, BIN, ...args], {
    cwd: REPO,
    reject: false,
    // The code cache compiles a hot entry without require() (src/cli/code-cache.ts), so this hook
    // would not see it: the same files load either way, logged here on the plain path.
    env: { MODULE_LOG: log, NO_COLOR: '1', JAILSMITH_CACHE: 'off' },
  });
  const prefix = `file://${REPO}/dist/bundle/`;
  const urls = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))];
  // Everything the CLI loads comes from the bundle (or node: built-ins), but for ajv's runtime
  // helpers, which the generated spec validator require()s (ajv's standalone code does).
  const ajvRuntime = `file://${REPO}/node_modules/ajv/dist/runtime/`;
  expect(
    urls.filter((u) => !u.startsWith(prefix) && !u.startsWith('node:') && !u.startsWith(ajvRuntime)),
  ).toEqual([`file://${REPO}/bin/jailsmith`]);
  const chunks = urls.filter((u) => u.startsWith(prefix)).map((u) => u.slice(prefix.length));
  return { exitCode: r.exitCode ?? -1, chunks };
}

/** The command modules among the chunks a line loaded, by their source name. */
const commandModules = (chunks: string[]) =>
  chunks
    .flatMap((c) => [meta[c]?.entryPoint ?? '', ...(meta[c]?.holds ?? [])])
    .filter((e) => /^dist\/cli\/commands\/(?!index\.js)/.test(e))
    .map((e) => path.basename(e, '.js'));
/** The npm packages a line loaded (yargs is the one that costs). */
const packages = (chunks: string[]) => [...new Set(chunks.flatMap((c) => meta[c]?.packages ?? []))].sort();

describe('the CLI loads only what a command line needs', () => {
  it('every chunk it loads is known to the bundle’s metadata', async () => {
    const r = await loaded(['--version']);
    expect(r.chunks.filter((c) => !(c in meta))).toEqual([]);
  });

  it('--version loads neither yargs nor any command', async () => {
    const r = await loaded(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.chunks.map((c) => meta[c]?.entryPoint).filter(Boolean)).toEqual(['dist/cli/main.js']);
    expect(packages(r.chunks)).toEqual([]);
    expect(commandModules(r.chunks)).toEqual([]);
  });

  it('--help loads yargs but no command module', async () => {
    const r = await loaded(['--help']);
    expect(r.exitCode).toBe(0);
    expect(packages(r.chunks)).toContain('yargs');
    expect(commandModules(r.chunks)).toEqual([]);
  });

  it('a command loads its own module and no other', async () => {
    const r = await loaded(['manifest', '--help']);
    expect(r.exitCode).toBe(0);
    expect(packages(r.chunks)).toContain('yargs');
    expect(commandModules(r.chunks)).toEqual(['manifest']);
  });

  it('an unknown command loads no command module', async () => {
    const r = await loaded(['frobnicate']);
    expect(r.exitCode).toBe(2);
    expect(commandModules(r.chunks)).toEqual([]);
  });

  it('a usage error still gets yargs’ message', async () => {
    const r = await loaded(['audit', '--frob']);
    expect(r.exitCode).toBe(2);
    expect(packages(r.chunks)).toContain('yargs');
    expect(commandModules(r.chunks)).toEqual(['audit']);
  });

  // Ordinary lines: the fast path (yargs-parser alone) parses them; yargs never loads.
  const jail = tmpDir('jailsmith-lazy-jail-');
  const ordinary: Record<string, string[]> = {
    audit: ['audit', jail, '--fail-on', 'none', '-q'],
    // Both fail once parsed (no such spec or jail): the parse path is what is checked here.
    build: ['build', path.join(jail, 'none.yaml'), path.join(jail, 'out'), '--force', '-q'],
    run: ['run', path.join(jail, 'none'), '--json', '--', '/bin/sh', '-c', 'true'],
  };
  it('a run line loads one file of its own, and the split bundle only for what it rarely needs', async () => {
    // A directory, but no jail: refused (exit 2) by the run path itself.
    const r = await loaded(['run', jail, '--json', '--', '/bin/sh', '-c', 'true']);
    expect(r.exitCode).toBe(2);
    // The code cache's loader first (code-cache.cjs, a few lines), then the entry.
    expect(r.chunks).toEqual(['code-cache.cjs', 'run-main.cjs']);
    const spec = await loaded(['run', jail, '--spec', path.join(jail, 'none.yaml'), '--', '/bin/true']);
    // The spec loader comes from the split bundle; its error is still one line, exit 2.
    expect(spec.exitCode).toBe(2);
    expect(spec.chunks.slice(0, 2)).toEqual(['code-cache.cjs', 'run-main.cjs']);
    expect(spec.chunks.map((c) => meta[c]?.entryPoint)).toContain('dist/spec/load.js');
  });

  it('bin/jailsmith routes exactly the hot commands the bundle made an entry for', () => {
    const bin = readFileSync(BIN, 'utf8');
    const routed = JSON.parse((/const HOT = (\[[^\]]*\]);/.exec(bin)?.[1] ?? '[]').replaceAll("'", '"'));
    const entries = Object.keys(meta)
      .filter((f) => f.endsWith('-main.cjs'))
      .map((f) => f.slice(0, -'-main.cjs'.length));
    expect([...routed].sort()).toEqual(entries.sort());
  });

  for (const [name, line] of Object.entries(ordinary)) {
    it(`${name}: an ordinary line loads no yargs`, async () => {
      const r = await loaded(line);
      if (name === 'audit') expect(r.exitCode).toBe(0);
      expect(packages(r.chunks)).not.toContain('yargs');
      expect(packages(r.chunks)).toContain('yargs-parser');
      expect(commandModules(r.chunks)).toEqual([name]);
    });
  }
});
