import type { FileFacts } from '../resolve/file-facts.js';
import { LoaderResolver } from '../resolve/resolver.js';
import type { SourceRoot } from '../resolve/source-root.js';
import type { Resolver } from '../resolve/types.js';

/**
 * The loader-faithful resolver over the plan's own source root: sharing the SourceRoot means each
 * path is looked up (lstat) once for the plan and the resolver together.
 */
export async function defaultResolver(root: SourceRoot, facts?: FileFacts): Promise<Resolver> {
  return new LoaderResolver(root, facts ? { facts } : {});
}
