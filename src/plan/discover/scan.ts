import type { PlanContext } from '../context.js';
import { dpkgOwners, type Owners } from './packages.js';

/** What discovery read from one file of the jail. */
export interface Scan {
  path: string;
  imports: string[];
  paths: string[];
  names: string[];
  devices: string[];
  program: boolean;
  /** A shell script the spec names: the commands it runs (no ELF evidence). */
  commands?: string[];
}

/** State shared by the rounds of one plan: the package database is read once, when first asked. */
export interface Round {
  owners: Owners | null | undefined;
  packages: Set<string>;
}

export function ownersOf(ctx: PlanContext, r: Round): Owners | null {
  if (r.owners === undefined) r.owners = dpkgOwners(ctx.root);
  return r.owners;
}
