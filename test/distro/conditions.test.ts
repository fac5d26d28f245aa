import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectDistro } from '../../src/plan/collect-distro.js';
import { profileConditions } from '../../src/plan/collect-profiles.js';
import { PlanContext } from '../../src/plan/context.js';
import { SourceRoot } from '../../src/resolve/source-root.js';
import type { Resolver } from '../../src/resolve/types.js';
import { parseSpec } from '../../src/spec/load.js';

const noResolver: Resolver = { root: '/', resolve: async () => null };

async function ctxFor(dir: string): Promise<PlanContext> {
  const spec = await parseSpec('name: cond\n', path.join(dir, 'cond.yaml'));
  return new PlanContext(spec, new SourceRoot(dir), noResolver);
}

describe('profile conditions from distro data', () => {
  it('matches the distro profile, the os-release ID and the architecture', async () => {
    // imported for its side effect: it registers the conditions
    expect(collectDistro.name).toBe('distro');
    const alpine = await ctxFor(path.resolve(import.meta.dirname, '../fixtures/alpine-root'));
    expect(profileConditions.distro?.('alpine', alpine)).toBe(true);
    expect(profileConditions.distro?.(['debian', 'fedora'], alpine)).toBe(false);
    expect(profileConditions.arch?.('x86_64', alpine)).toBe(true);
    const cross = await ctxFor('/usr/aarch64-linux-gnu');
    expect(profileConditions.arch?.(['aarch64'], cross)).toBe(true);
    expect(profileConditions.distro?.('generic', cross)).toBe(true);
  });
});
