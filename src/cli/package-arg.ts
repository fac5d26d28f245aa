import { lstatSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { ImageReference } from '../ship/index.js';

/** A directory given where a package file is expected is named as what it is (not a bare EISDIR). */
export function checkPackageArg(file: string): void {
  let dir = false;
  try {
    dir = lstatSync(file).isDirectory();
  } catch {
    return; // readPackage says what is wrong with a missing or unreadable file
  }
  if (dir) {
    throw new UsageError('PACKAGE_IS_DIRECTORY', 'is a directory, neither a package file nor an OCI layout', {
      path: file,
      hint: 'a jail directory is packed with jailsmith pack DIR -o FILE.tar.gz; an OCI layout holds an oci-layout file',
    });
  }
}

/**
 * What install and verify were given: an OCI layout (`LAYOUT[:TAG]`), a registry reference, or a
 * package file (a directory that is neither is named as what it is). A layout carries no
 * signature of its own, so `--trust` with one is refused.
 */
export async function classifyPackageArg(
  arg: string,
  trusted: boolean,
): Promise<{ layout: { dir: string; tag?: string } | null; ref: ImageReference | null }> {
  const { isLayout, splitLayoutArg } = await import('../pack/index.js');
  const split = splitLayoutArg(arg, isLayout);
  const layout = isLayout(split.dir) ? split : null;
  const { looksLikeReference } = await import('../ship/index.js');
  const ref = layout ? null : looksLikeReference(arg);
  if (!layout && !ref) checkPackageArg(arg);
  if (layout && trusted) {
    throw new UsageError('USAGE', '--trust checks a package’s signature; an OCI layout carries none', {
      hint: 'images are signed in a registry: jailsmith pull REF DIR --trust KEY',
    });
  }
  return { layout, ref };
}
