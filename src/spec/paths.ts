import path from 'node:path';
import type { KeyPath, SourceDoc } from './source-doc.js';

/**
 * String checks on jail paths, done on the spec alone (before any I/O): absolute, no '..', no NUL.
 * Returns the normalised form (no '.', no doubled or trailing slash).
 */
export function jailPath(doc: SourceDoc, value: string, at: KeyPath, what = 'path'): string {
  if (value.includes('\0')) throw doc.error('SPEC_PATH', `${what} contains a NUL byte`, at);
  if (!value.startsWith('/')) {
    throw doc.error('SPEC_PATH', `${what} "${value}" must be absolute (start with /)`, at, {
      expected: 'an absolute path',
      hint: `write "/${value.replace(/^\.\//, '')}"`,
    });
  }
  if (value.split('/').includes('..')) {
    throw doc.error(
      'SPEC_PATH',
      `${what} "${value}" contains '..'; paths may not climb out of the root`,
      at,
      {
        expected: 'a path without ..',
      },
    );
  }
  return path.posix.normalize(value).replace(/(.)\/$/, '$1');
}

/** A glob over jail paths: absolute or starting with '**', never with a '..' component. */
export function jailGlob(doc: SourceDoc, value: string, at: KeyPath): string {
  if (!value.startsWith('/') && !value.startsWith('**')) {
    throw doc.error('SPEC_PATH', `glob "${value}" must be absolute or start with **`, at, {
      expected: 'a glob such as /usr/share/doc/** or **/__pycache__/**',
    });
  }
  if (value.split('/').includes('..')) throw doc.error('SPEC_PATH', `glob "${value}" contains '..'`, at);
  return value;
}

/**
 * A symlink target: absolute (checked like any jail path) or relative to the link's directory,
 * where it may climb with '..' but never above the jail's root.
 */
export function linkTarget(doc: SourceDoc, linkPath: string, target: string, at: KeyPath): string {
  if (target.startsWith('/')) return jailPath(doc, target, at, 'target');
  let depth = linkPath.split('/').filter(Boolean).length - 1;
  for (const c of target.split('/')) {
    if (c === '..') depth--;
    else if (c !== '' && c !== '.') depth++;
    if (depth < 0) {
      throw doc.error('SPEC_PATH', `target "${target}" of ${linkPath} escapes the jail root`, at, {
        expected: 'a target inside the jail',
      });
    }
  }
  return target;
}
