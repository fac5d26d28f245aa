import picomatch from 'picomatch';
import { profileNames } from '../../spec/index.js';
import { loadProfile } from '../profile-data.js';

let table: [string, (p: string) => boolean][] | undefined;

/**
 * The profiles whose `programs:` globs match one of `paths` (a program as the spec named it and
 * as it resolves: /usr/bin/php is a link to /usr/bin/php8.2), in name order. Read once.
 */
export function interpreterProfiles(paths: string[]): string[] {
  table ??= profileNames().flatMap((name): [string, (p: string) => boolean][] => {
    const globs = loadProfile(name).programs;
    return globs.length > 0 ? [[name, picomatch(globs)]] : [];
  });
  return table.filter(([, match]) => paths.some(match)).map(([name]) => name);
}
