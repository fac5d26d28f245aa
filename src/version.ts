import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export const VERSION: string = pkg.version;

/** Repository root (holds templates/, jails/, schema/), for the built and the source layout alike. */
export const PACKAGE_ROOT: string = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
