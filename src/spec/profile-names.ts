import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../version.js';

/** Where profiles live as data: templates/profiles/<name>.yaml. */
export const PROFILES_DIR = path.join(PACKAGE_ROOT, 'templates/profiles');

let names: string[] | undefined;

/** Names of the shipped profiles (read once; this is the tool's data, not the source root). */
export function profileNames(): string[] {
  names ??= readdirSync(PROFILES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
  return names;
}
