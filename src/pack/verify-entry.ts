import type { ErrorCode } from '../errors.js';
import type { ManifestEntry } from '../manifest/index.js';
import { octalMode } from '../sys/index.js';
import { jailPathOf } from './entry-header.js';
import { refuse } from './errors.js';
import { META_DIR, parentOf } from './package-manifest.js';
import type { TarHeader } from './tar/header.js';

export interface EntryChecker {
  /** Checks one archive header; returns its manifest entry or throws PackageRefused naming it. */
  header(h: TarHeader): ManifestEntry;
  /** Throws when a manifest entry never appeared. */
  finish(): void;
}

/**
 * The per-entry rules install relies on. Names first (absolute, '..', through a symlink,
 * duplicates), then agreement with the manifest (listed, same type, mode, owners, size, link
 * target, device numbers, capability); content hashes are checked by the reader as data streams.
 */
export function verifyEntry(manifest: readonly ManifestEntry[], pkg: string): EntryChecker {
  const byPath = new Map(manifest.map((e) => [e.path, e]));
  const seen = new Map<string, ManifestEntry>();

  return {
    header(h) {
      const fail = (code: ErrorCode, reason: string) => refuse(code, h.name, reason, pkg);
      const named = jailPathOf(h.name);
      if ('reason' in named) throw fail('PACKAGE_UNSAFE_NAME', named.reason);
      const p = named.path;
      if (p === `/${META_DIR}` || p.startsWith(`/${META_DIR}/`))
        throw fail('PACKAGE_UNSAFE_NAME', 'reserved name');
      if (seen.has(p)) throw fail('PACKAGE_DUPLICATE', 'duplicate name');
      if (p !== '/') {
        // Walk down from the root so the first offending component is the one reported.
        const parts = p.slice(1).split('/');
        let at = '';
        for (let i = 0; i < parts.length - 1; i++) {
          at += `/${parts[i]}`;
          const anc = seen.get(at);
          if (anc?.type === 'symlink')
            throw fail('PACKAGE_THROUGH_SYMLINK', `passes through the symlink ${at}`);
          if (anc && anc.type !== 'dir')
            throw fail('PACKAGE_UNSAFE_NAME', `lies beneath the ${anc.type} ${at}`);
          if (!anc) throw fail('PACKAGE_ORDER', `comes before its parent directory ${at}`);
        }
        if (!seen.has(parentOf(p))) throw fail('PACKAGE_ORDER', 'comes before the root directory');
      }
      const m = byPath.get(p);
      if (!m) throw fail('PACKAGE_NOT_IN_MANIFEST', 'not in the manifest');
      if (m.type !== h.type)
        throw fail('PACKAGE_TYPE_CHANGED', `type ${h.type} but the manifest says ${m.type}`);
      const mode = octalMode(h.mode);
      if (mode !== m.mode) throw fail('PACKAGE_MISMATCH', `mode ${mode} but the manifest says ${m.mode}`);
      if (h.uid !== m.uid || h.gid !== m.gid) {
        throw fail('PACKAGE_MISMATCH', `owner ${h.uid}:${h.gid} but the manifest says ${m.uid}:${m.gid}`);
      }
      if (h.size !== m.size) throw fail('PACKAGE_MISMATCH', `size ${h.size} but the manifest says ${m.size}`);
      if (m.type === 'symlink' && h.linkname !== m.target)
        throw fail('PACKAGE_MISMATCH', 'symlink target differs');
      if (m.type === 'hardlink') {
        const t = jailPathOf(h.linkname);
        if (!('path' in t) || t.path !== m.target) throw fail('PACKAGE_MISMATCH', 'hard link target differs');
        if (seen.get(t.path)?.type !== 'file') throw fail('PACKAGE_ORDER', 'hard link before its target');
      }
      if (
        (m.type === 'char' || m.type === 'block') &&
        (h.devmajor !== m.rdev?.[0] || h.devminor !== m.rdev?.[1])
      ) {
        throw fail('PACKAGE_MISMATCH', 'device numbers differ');
      }
      const names = Object.keys(h.xattrs);
      if (names.some((n) => n !== 'security.capability')) throw fail('PACKAGE_MISMATCH', 'unexpected xattr');
      const cap = h.xattrs['security.capability']?.toString('hex') ?? null;
      if (cap !== (m.capability ?? null))
        throw fail('PACKAGE_MISMATCH', 'capability differs from the manifest');
      seen.set(p, m);
      return m;
    },
    finish() {
      for (const e of manifest) {
        if (!seen.has(e.path))
          throw refuse('PACKAGE_MISSING', e.path, 'in the manifest but missing from the package', pkg);
      }
    },
  };
}
