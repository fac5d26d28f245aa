import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Repository (or installed package) root: it holds package.json, templates/, jails/ and schema/.
 * Found by walking up from this module, so the sources, dist/ and a bundled dist/bundle/ agree.
 * Its package.json is read once, for the root and the version both.
 */
function packageRoot(): { root: string; version: string } {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      const meta = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version: string };
      if (meta.name === 'jailsmith') return { root: dir, version: meta.version };
    }
    if (path.dirname(dir) === dir)
      throw new Error(`package.json of jailsmith not found above ${import.meta.dirname}`);
  }
}

const found = packageRoot();

export const PACKAGE_ROOT: string = found.root;

export const VERSION: string = found.version;
