import { type ErrorCode, PackageRefused } from '../errors.js';

/** Refusal naming the offending archive entry in the message. */
export function refuse(code: ErrorCode, entry: string, reason: string, pkg: string): PackageRefused {
  return new PackageRefused(code, `package refused: entry ${JSON.stringify(entry)}: ${reason}`, {
    path: pkg,
    details: { entry },
  });
}
