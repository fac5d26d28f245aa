import { createResolver } from '../resolve/resolver.js';
import type { Resolver } from '../resolve/types.js';

/** The loader-faithful resolver over the plan's source root. */
export async function defaultResolver(root: string): Promise<Resolver> {
  return createResolver({ root });
}
