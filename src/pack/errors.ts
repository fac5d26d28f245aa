import { PackError } from '../errors.js';

/**
 * A package that was read and found wanting (tampered, unsafe, unsigned): a failed check, so the
 * CLI exits 1. Input that is not a package at all stays a plain PackError (exit 2).
 */
export class PackageRefused extends PackError {
  override readonly exitCode: number = 1;
}

/** Refusal naming the offending archive entry in the message. */
export function refuse(code: string, entry: string, reason: string, pkg: string): PackageRefused {
  return new PackageRefused(code, `package refused: entry ${JSON.stringify(entry)}: ${reason}`, {
    path: pkg,
    details: { entry },
  });
}
