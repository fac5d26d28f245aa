import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

// The README's generated sections must match their sources: the schema, the audit registry and
// bench/results.md. After changing one, run `npm run build && node .ci/readme-sections.mjs --write`.
describe('README', () => {
  it('its generated sections match the schema, the audit registry and the bench results', async () => {
    const { expectedReadme } = await import(path.join(REPO, '.ci/readme-sections.mjs'));
    const actual = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    expect(actual).toBe(await expectedReadme());
  });

  it('its first screen has the two commands CI runs', async () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const firstScreen = readme.split('\n').slice(0, 25).join('\n');
    expect(firstScreen).toContain('./bin/jailsmith build jails/python.yaml');
    expect(firstScreen).toContain('npm test');
  });
});
