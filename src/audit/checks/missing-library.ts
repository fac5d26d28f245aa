import type { Resolver } from '../../resolve/index.js';
import type { AuditContext, Check, Entry, Finding } from '../types.js';
import { finding } from './util.js';

/** Sonames of dynamic loaders (glibc on each architecture, musl). */
const LOADER =
  /(?:^|\/)(?:ld-linux[\w.-]*\.so(?:\.\d+)*|ld64\.so\.\d+|ld\.so\.\d+|ld-musl-[\w.-]+\.so\.\d+)$/;

const SO = /\.so(?:\.[\w.]+)?$/;

/**
 * The smallest file the resolver can find something missing for: `#!x` (a #! script names its
 * interpreter; ELF needs 52 bytes, its ELF32 header). Smaller ones are not opened at all.
 */
const PROGRAM_MIN = 3n;

/** Dynamically linked candidates: executables and shared objects big enough to be programs. */
function candidates(ctx: AuditContext): Entry[] {
  return ctx.files.filter(
    (e) => (e.mode & 0o111 || (e.path.includes('.so') && SO.test(e.path))) && e.size >= PROGRAM_MIN,
  );
}

export const missingLibrary: Check = {
  id: 'missing-library',
  severity: 'medium',
  title: 'A dynamically linked file whose interpreter or library is missing in the jail',
  why: 'The file cannot run inside the jail: the jail is broken or incomplete.',
  help: 'Rebuild the jail with the file listed in binaries (jailsmith resolves its libraries), or remove the file.',
  async run(ctx) {
    const resolver = await ctx.resolver();
    if (!resolver) {
      ctx.warn('/', 'missing-library skipped: the resolver is not available');
      return [];
    }
    const out: Finding[] = [];
    for (const e of candidates(ctx)) {
      if (e.raw || e.inMount) continue; // the resolver works on UTF-8 in-root paths of the jail itself
      const deps = await resolveQuietly(resolver, e.path);
      if (!deps) continue;
      // A library (no PT_INTERP) that lists the dynamic loader as DT_NEEDED gets it from the
      // process that loads it: the loader is always mapped first. The executables in the jail
      // report a loader that is really missing, through their own PT_INTERP.
      const missing = deps.interpreter === null ? deps.missing.filter((m) => !LOADER.test(m)) : deps.missing;
      if (missing.length > 0) {
        out.push(finding(this, 'medium', e, `cannot resolve inside the jail: ${missing.join(', ')}`));
      }
    }
    return out;
  },
};

async function resolveQuietly(r: Resolver, p: string) {
  try {
    return await r.resolve(p, { lenient: true });
  } catch {
    // Malformed ELF or a file that vanished: not this check's business.
    return null;
  }
}
