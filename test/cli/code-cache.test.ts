/**
 * src/cli/code-cache.ts (as bin/jailsmith loads it, dist/bundle/code-cache.cjs): the hot bundles
 * load with a V8 code cache of the last run. Each case runs a fresh node process on a small
 * CommonJS "bundle" (its own dynamic imports included), twice or more, and reads back what it
 * printed and whether the cached data was used.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RACY_NS } from '../../src/resolve/file-facts.js';
import { tmpDir } from '../helpers/tmp.js';

const LOADER = path.resolve(import.meta.dirname, '../../dist/bundle/code-cache.cjs');

/** Loads `bundle` through the loader in a new process; its stdout lines, stderr and cache use. */
function load(bundle: string, dir: string) {
  const script = `
    const { requireCached } = require(${JSON.stringify(LOADER)});
    let used;
    const m = requireCached(${JSON.stringify(bundle)}, { dir: ${JSON.stringify(dir)}, builtin: false, onLoad: (l) => { used = l.cached; } });
    m.main().then(() => console.log('cached=' + used));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return { lines: r.stdout.trim().split('\n'), stderr: r.stderr };
}

/** Writes `text` and waits until the file is older than the racy window (RACY_NS), as a built bundle is. */
async function writeSettled(file: string, text: string): Promise<void> {
  writeFileSync(file, text);
  await sleep(Number(RACY_NS / 1_000_000n) + 100);
}

describe('the CLI bundles’ code cache', () => {
  const base = tmpDir('jailsmith-code-cache-');
  const bundle = path.join(base, 'bundle.cjs');
  const cache = path.join(base, 'cache');
  mkdirSync(cache, { mode: 0o700 });
  // A relative ESM import and a builtin, made as the real bundles import their split chunks
  // (scripts/bundle-cli.mjs: through the loader's hook, else import() itself).
  writeFileSync(path.join(base, 'chunk.mjs'), 'export const word = "chunk";\n');
  const source = (greeting: string) =>
    `const __jailsmithImport = globalThis[Symbol.for('jailsmith.import')] || ((s) => import(s));
     exports.main = async () => {
       const { word } = await __jailsmithImport('./chunk.mjs');
       const os = await __jailsmithImport('node:os');
       console.log('${greeting} ' + word + ' ' + typeof os.cpus + ' ' + __filename);
     };\n`;

  it('compiles from the cache of the last run, and prints nothing of its own', async () => {
    await writeSettled(bundle, source('hello'));
    const first = load(bundle, cache);
    expect(first.lines).toEqual([`hello chunk function ${bundle}`, 'cached=false']);
    const files = readdirSync(path.join(cache, 'v8'));
    expect(files).toHaveLength(1);
    const second = load(bundle, cache);
    expect(second.lines).toEqual([`hello chunk function ${bundle}`, 'cached=true']);
    // No ExperimentalWarning about the loader option, nor anything else.
    expect(first.stderr + second.stderr).toBe('');
  });

  it('a changed bundle of the same length is compiled anew, never served from the old data', async () => {
    await writeSettled(bundle, source('hello'));
    load(bundle, cache);
    expect(load(bundle, cache).lines[1]).toBe('cached=true');
    await writeSettled(bundle, source('howdy'));
    expect(readFileSync(bundle).length).toBe(Buffer.byteLength(source('hello')));
    expect(load(bundle, cache).lines).toEqual([`howdy chunk function ${bundle}`, 'cached=false']);
    expect(load(bundle, cache).lines[1]).toBe('cached=true');
  });

  it('a cache file others could write, or a cache directory that is not private, is not read', async () => {
    await writeSettled(bundle, source('hello'));
    load(bundle, cache);
    const [name] = readdirSync(path.join(cache, 'v8'));
    const file = path.join(cache, 'v8', name as string);
    chmodSync(file, 0o622);
    expect(load(bundle, cache).lines[1]).toBe('cached=false');
    // Written anew (private) at that run's exit, and read again after.
    expect(load(bundle, cache).lines[1]).toBe('cached=true');
    chmodSync(cache, 0o777);
    try {
      expect(load(bundle, cache).lines[1]).toBe('cached=false');
    } finally {
      chmodSync(cache, 0o700);
    }
  });

  it('a bundle written within the racy window is neither served from nor written to the cache', () => {
    const fresh = path.join(base, 'fresh.cjs');
    writeFileSync(fresh, source('fresh'));
    const dir = path.join(base, 'fresh-cache');
    mkdirSync(dir, { mode: 0o700 });
    expect(load(fresh, dir).lines).toEqual([`fresh chunk function ${fresh}`, 'cached=false']);
    expect(existsSync(path.join(dir, 'v8'))).toBe(false);
  });

  it('JAILSMITH_CACHE=off: a plain require, the cache not even looked at', async () => {
    await writeSettled(bundle, source('plain'));
    // The default directory is taken from the environment; onLoad is told only on the cached path.
    const script = `
      const { requireCached } = require(${JSON.stringify(LOADER)});
      requireCached(${JSON.stringify(bundle)}, { builtin: false, onLoad: () => console.log('cache looked at') }).main();`;
    const r = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { ...process.env, JAILSMITH_CACHE: 'off' },
    });
    expect(r.stdout.trim()).toBe(`plain chunk function ${bundle}`);
    // The same line with the cache on does look (so the assertion above can fail).
    const on = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { ...process.env, JAILSMITH_CACHE: path.join(base, 'on') },
    });
    expect(on.stdout.trim().split('\n')).toContain('cache looked at');
  });
});
