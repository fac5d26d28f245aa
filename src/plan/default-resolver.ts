import type { FileFacts, Resolver, SourceRoot } from '../resolve/index.js';
import { LoaderResolver } from '../resolve/index.js';

/**
 * The loader-faithful resolver over the plan's own source root: sharing the SourceRoot means each
 * path is looked up (lstat) once for the plan and the resolver together.
 */
export async function defaultResolver(root: SourceRoot, facts?: FileFacts): Promise<Resolver> {
  return new LoaderResolver(root, facts ? { facts } : {});
}
