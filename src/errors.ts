/**
 * Typed errors. A JailError is a user or input problem: the CLI prints one line and exits with
 * `exitCode` (2 unless a family says otherwise). Anything else reaching the CLI is a bug.
 */
export interface JailErrorOptions {
  path?: string;
  details?: Record<string, unknown>;
  hint?: string;
  cause?: unknown;
}

export class JailError extends Error {
  readonly code: string;
  readonly path: string | undefined;
  readonly details: Record<string, unknown>;
  readonly hint: string | undefined;
  readonly exitCode: number = 2;

  constructor(code: string, message: string, opts: JailErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.path = opts.path;
    this.details = opts.details ?? {};
    this.hint = opts.hint;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, path: this.path ?? null, details: this.details };
  }
}

/** Bad command line: unknown flag, missing argument. */
export class UsageError extends JailError {}
/** The jail spec: YAML, schema, includes, paths. */
export class SpecError extends JailError {}
/** A file that claims to be ELF but is not well formed. */
export class ElfError extends JailError {}
/** Resolution inside a source root: missing files, loops, bad roots. */
export class ResolveError extends JailError {}
/** Writing into a jail: unsafe targets, links where none may be. */
export class RootError extends JailError {}
/** Audit input problems (not findings: those are data). */
export class AuditError extends JailError {}
/** Packages: malformed, tampered, unsigned. */
export class PackError extends JailError {}
/** Entering a jail. */
export class RunError extends JailError {}
/**
 * Login jails (`user add/remove/list`): codes are LOGIN_*, the path names the offending file or
 * the component of the jail path sshd would refuse. A refusal changes nothing on the host.
 */
export class LoginError extends JailError {}

export function isJailError(e: unknown): e is JailError {
  return e instanceof JailError;
}

/** errno code of a Node system error, or undefined. */
export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
    ? e.code
    : undefined;
}
