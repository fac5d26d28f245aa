import { lstatSync } from 'node:fs';
import { UsageError } from '../errors.js';

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
