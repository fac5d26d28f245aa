import type { Resolver } from '../resolve/index.js';
import { createResolver } from '../resolve/index.js';

/** The loader-faithful resolver over the plan's source root. */
export async function defaultResolver(root: string): Promise<Resolver> {
  return createResolver({ root });
}
