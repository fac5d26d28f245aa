import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Repository (or installed package) root: it holds package.json, templates/, jails/ and schema/.
 * Found by walking up from this module, so the sources, dist/ and a bundled dist/bundle/ agree.
 */
function packageRoot(): string {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'jailsmith'
    ) {
      return dir;
    }
    if (path.dirname(dir) === dir)
      throw new Error(`package.json of jailsmith not found above ${import.meta.dirname}`);
  }
}

export const PACKAGE_ROOT: string = packageRoot();

export const VERSION: string = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
