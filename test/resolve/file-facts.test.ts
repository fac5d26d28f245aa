import { lstatSync, mkdirSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FileFact, FileFacts, factKey, factsFromJson } from '../../src/resolve/file-facts.js';
import { createResolverSync } from '../../src/resolve/resolver.js';
import { tmpDir } from '../helpers/tmp.js';

const keyOf = (f: string) => factKey(lstatSync(f, { bigint: true }));
/** A made-up fact no real read of these files could give: seeing it means the cache answered. */
const FAKE: FileFact = { kind: 'script', line: '/remembered/interpreter' };

/** A root with one script; the facts say something else about it under its current key. */
function rootWithScript(name: string, body: string): { root: string; file: string } {
  const root = path.join(tmpDir('jailsmith-facts-'), name);
  mkdirSync(path.join(root, 'bin'), { recursive: true });
  const file = path.join(root, 'bin/tool');
  writeFileSync(file, body, { mode: 0o755 });
  return { root, file };
}

const interpreterOf = (root: string, facts: FileFacts) =>
  createResolverSync({ root, facts }).resolveSync('/bin/tool', { lenient: true })?.interpreter;

describe('file facts by stat key', () => {
  it('answers from the cache while the key matches: no read', () => {
    const { root, file } = rootWithScript('hit', '#!/bin/aa\n');
    const facts = new FileFacts(new Map([[keyOf(file), FAKE]]));
    expect(interpreterOf(root, facts)).toBe('/remembered/interpreter');
    expect(facts.changed).toBe(false);
  });

  it('catches a change that keeps size and mtime (touch -d back) through the ctime', () => {
    const { root, file } = rootWithScript('ctime', '#!/bin/aa\n');
    const before = statSync(file);
    const facts = new FileFacts(new Map([[keyOf(file), FAKE]]));
    writeFileSync(file, '#!/bin/bb\n'); // same size
    utimesSync(file, before.atime, before.mtime); // what `touch -d` does: mtime back as it was
    const after = statSync(file, { bigint: true });
    expect(after.size).toBe(BigInt(before.size));
    // The same mtime, to the millisecond utimes(2) takes from a Date (float rounding aside).
    expect(Math.abs(Number(after.mtimeMs) - before.mtime.getTime())).toBeLessThanOrEqual(1);
    expect(interpreterOf(root, facts)).toBe('/bin/bb');
  });

  it('catches a file replaced by another inode with the same size and times', () => {
    const { root, file } = rootWithScript('inode', '#!/bin/aa\n');
    const other = path.join(path.dirname(file), 'other');
    writeFileSync(other, '#!/bin/cc\n', { mode: 0o755 });
    const st = statSync(file);
    utimesSync(other, st.atime, st.mtime);
    const facts = new FileFacts(new Map([[keyOf(file), FAKE]]));
    renameSync(other, file);
    expect(interpreterOf(root, facts)).toBe('/bin/cc');
  });

  it('never serves one file the facts of another, however alike their stat fields', () => {
    const { root, file } = rootWithScript('twin', '#!/bin/aa\n');
    const twin = path.join(root, 'bin/twin');
    writeFileSync(twin, '#!/bin/aa\n', { mode: 0o755 });
    const st = statSync(file);
    utimesSync(twin, st.atime, st.mtime);
    // Keyed by the twin: same size, same mtime, another inode. The tool must be read for itself.
    const facts = new FileFacts(new Map([[keyOf(twin), FAKE]]));
    expect(keyOf(twin)).not.toBe(keyOf(file));
    expect(interpreterOf(root, facts)).toBe('/bin/aa');
  });

  it('learns settled files, not ones written just now (racy), and reloads what it stored', () => {
    const { root } = rootWithScript('learn', '#!/bin/aa\n');
    const facts = new FileFacts();
    interpreterOf(root, facts);
    expect(facts.used.size).toBe(0); // written this second: its key may not have settled
    const host = new FileFacts();
    const sh = createResolverSync({ facts: host }).resolveSync('/usr/bin/env');
    expect(sh?.interpreter).toMatch(/^\/lib/);
    const env = host.used.get(keyOf('/usr/bin/env'));
    expect(env?.kind).toBe('elf');
    // What the state file keeps: JSON in, the same facts out; anything malformed is dropped.
    const round = factsFromJson(JSON.parse(JSON.stringify({ ...Object.fromEntries(host.used), bad: 1 })));
    expect(round.get(keyOf('/usr/bin/env'))).toEqual(env);
    expect(round.has('bad')).toBe(false);
  });
});
