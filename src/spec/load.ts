import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { SpecError } from '../errors.js';
import { checkSpec } from './check.js';
import { mergeParts } from './merge.js';
import { normalizeDoc, type SpecPart } from './normalize.js';
import { type KeyPath, SourceDoc } from './source-doc.js';
import type { JailSpec } from './types.js';
import { whyUnreadable } from './unreadable.js';
import { validateDoc } from './validate.js';

export interface LoadSpecOptions {
  /** Source root overriding the spec's `source` (the CLI's --root). */
  root?: string;
  /** The CLI's --qemu-static: sets qemu_static. */
  qemuStatic?: boolean;
}

interface Loaded {
  part: SpecPart;
  origin: string[];
}

/**
 * Reads a spec file and everything it includes, validates each against the schema with positions,
 * merges them (includes first, the including file last so it wins) and checks the result. Reads
 * only spec files: nothing of the source root is touched.
 */
export async function loadSpec(file: string, opts: LoadSpecOptions = {}): Promise<JailSpec> {
  const top = path.resolve(file);
  const { part, origin } = await loadFile(top, [], undefined);
  return checkSpec(part, {
    origin,
    defaultName: path.basename(top).replace(/\.(ya?ml|json)$/, ''),
    root: opts.root === undefined ? undefined : path.resolve(opts.root),
    qemuStatic: opts.qemuStatic === true,
  });
}

/** Parses a spec from text (for tests and callers holding the YAML in memory); includes resolve from `file`'s directory. */
export async function parseSpec(
  text: string,
  file = 'spec.yaml',
  opts: LoadSpecOptions = {},
): Promise<JailSpec> {
  const abs = path.resolve(file);
  const { part, origin } = await loadText(abs, text, []);
  return checkSpec(part, {
    origin,
    defaultName: path.basename(abs).replace(/\.(ya?ml|json)$/, ''),
    root: opts.root === undefined ? undefined : path.resolve(opts.root),
    qemuStatic: opts.qemuStatic === true,
  });
}

async function loadFile(file: string, stack: string[], from: { doc: SourceDoc; at: KeyPath } | undefined) {
  let real: string;
  let text: string;
  try {
    real = await realpath(file);
    text = await readFile(real, 'utf8');
  } catch (e) {
    const why = whyUnreadable(e);
    if (from) throw from.doc.error('SPEC_NOT_FOUND', `included spec ${file} ${why}`, from.at);
    throw new SpecError('SPEC_NOT_FOUND', `spec file ${why}`, { path: file });
  }
  const seen = stack.indexOf(real);
  if (seen >= 0 && from) {
    const base = path.dirname(stack[0] ?? real);
    const show = (f: string) => (path.relative(base, f).startsWith('..') ? f : path.relative(base, f));
    const cycle = [...stack.slice(seen), real].map(show);
    throw from.doc.error('SPEC_INCLUDE_CYCLE', `include cycle: ${cycle.join(' → ')}`, from.at, {
      expected: 'includes that do not lead back to themselves',
    });
  }
  return loadText(real, text, stack);
}

async function loadText(file: string, text: string, stack: string[]): Promise<Loaded> {
  const doc = SourceDoc.parse(file, text);
  if (typeof doc.data !== 'object' || doc.data === null || Array.isArray(doc.data)) {
    throw doc.error('SPEC_TYPE', 'a spec must be a map of keys such as name, binaries, files', [], {
      expected: 'a map',
    });
  }
  validateDoc(doc);
  const own = normalizeDoc(doc);
  let merged: SpecPart = {};
  const origin = [file];
  const includes = own.include ?? [];
  for (const [i, inc] of includes.entries()) {
    const at: KeyPath =
      typeof (doc.data as Record<string, unknown>).include === 'string' ? ['include'] : ['include', i];
    const sub = await loadFile(path.resolve(path.dirname(file), inc), [...stack, file], { doc, at });
    merged = mergeParts(merged, sub.part);
    origin.push(...sub.origin.filter((o) => !origin.includes(o)));
  }
  const { include: _, ...rest } = own;
  return { part: mergeParts(merged, rest), origin };
}
