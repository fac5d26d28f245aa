/**
 * Typed errors. A JailError is a user or input problem: the CLI prints one line and exits with
 * `exitCode` (2 unless a family says otherwise). Anything else reaching the CLI is a bug (exit 70),
 * except the machine's faults (machineFault below). Every family a user can meet is here; parsers'
 * internal signals (TarFormatError, ContentChangedError, RpmHeaderError) stay beside their parsers
 * because their callers always turn them into one of these families.
 */
export interface JailErrorOptions {
  path?: string;
  details?: Record<string, unknown>;
  hint?: string;
  cause?: unknown;
}

/**
 * Marks every JailError. isJailError tests it rather than the prototype chain: the CLI's run entry
 * (scripts/bundle-cli.mjs) and the split bundle's chunks it imports from each hold a copy of this
 * module, and an error thrown by one copy must be known to the other (so must one from a second
 * install of the library).
 */
const JAIL_ERROR = Symbol.for('jailsmith.JailError');

export class JailError extends Error {
  readonly [JAIL_ERROR] = true;
  readonly code: ErrorCode;
  readonly path: string | undefined;
  readonly details: Record<string, unknown>;
  readonly hint: string | undefined;
  readonly exitCode: number = 2;

  constructor(code: ErrorCode, message: string, opts: JailErrorOptions = {}) {
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
/** A plan the script cannot render safely: it names the entry and what is wrong with it. */
export class ScriptError extends JailError {}
/**
 * A package that was read and found wanting (tampered, unsafe, unsigned): a failed check, so the
 * CLI exits 1. Input that is not a package at all stays a plain PackError (exit 2).
 */
export class PackageRefused extends PackError {
  override readonly exitCode: number = 1;
}
/** Planning: a source file that is not there, a profile that cannot be read, an entry conflict. */
export class PlanError extends JailError {}
/** Reading a tree as a manifest (build compare, pack, verify). */
export class ManifestError extends JailError {}
/** Distribution profiles (templates/distros). */
export class DistroError extends JailError {}
/**
 * The machine refused a write or a read (ENOSPC, EDQUOT, EROFS, EIO...): not a bug and not bad
 * input, but a user error all the same (exit 2), one line naming the file.
 */
export class SystemError extends JailError {}

export function isJailError(e: unknown): e is JailError {
  return typeof e === 'object' && e !== null && (e as { [JAIL_ERROR]?: unknown })[JAIL_ERROR] === true;
}

/** errno codes that are faults of the machine (disk full, read-only, I/O), never of jailsmith. */
export const MACHINE_FAULTS: ReadonlySet<string> = new Set([
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EIO',
  'EFBIG',
  'ENOMEM',
  'EMFILE',
  'ENFILE',
]);

/**
 * A machine fault (see MACHINE_FAULTS) as a SystemError naming `path` (the error's own path when
 * it has one); anything else unchanged.
 */
export function machineFault(e: unknown, path?: string): unknown {
  const code = errnoCode(e);
  if (code === undefined || !MACHINE_FAULTS.has(code) || isJailError(e)) return e;
  const where = (e as { path?: unknown }).path;
  return new SystemError('SYS_FAULT', `${code}: ${faultText(code)}`, {
    path: typeof where === 'string' ? where : path,
    details: { errno: code },
    cause: e,
  });
}

function faultText(code: string): string {
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'read-only file system';
    case 'EIO':
      return 'input/output error';
    case 'EFBIG':
      return 'file too large';
    default:
      return 'out of system resources';
  }
}

/** errno code of a Node system error, or undefined. */
export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
    ? e.code
    : undefined;
}

/**
 * Every error code, one a line: `grep "^  | '" src/errors.ts` lists them. A code is stable: scripts
 * and tests match on it, so one is added here, never renamed.
 */
export type ErrorCode =
  | 'AUDIT_ALLOW_EMPTY_GLOB'
  | 'AUDIT_ALLOW_UNKNOWN_ID'
  | 'AUDIT_BAD_PID'
  | 'AUDIT_NOT_DIR'
  | 'AUDIT_NO_JAIL'
  | 'AUDIT_NO_PID'
  | 'BAD_SHEBANG'
  | 'DISTRO_PROFILE_INVALID'
  | 'DISTRO_PROFILE_MISSING'
  | 'ELF_MALFORMED'
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'FLEET_BAD_DOWNGRADE'
  | 'FLEET_BAD_HOST_UID'
  | 'FLEET_CANNOT_EXPRESS'
  | 'FLEET_IN_PLACE'
  | 'FLEET_NO_RUNTIME'
  | 'FLEET_RUNTIME_CANNOT'
  | 'FLEET_RUNTIME_FEATURES'
  | 'FLEET_SOURCE'
  | 'FLEET_TARGET'
  | 'FLEET_UNREACHABLE'
  | 'GETFATTR_FAILED'
  | 'INI_INCLUDE_CYCLE'
  | 'INI_NO_SECTION'
  | 'INI_READ'
  | 'INI_SYNTAX'
  | 'INI_UNKNOWN_SECTION'
  | 'INSTALL_FAILED'
  | 'K8S_BAD_CLAIM'
  | 'K8S_BAD_IMAGE'
  | 'K8S_BAD_NAME'
  | 'K8S_BIND_CLAIM'
  | 'KEY_INVALID'
  | 'KEY_UNREADABLE'
  | 'KEY_WRITE'
  | 'LOGIN_ACCOUNT_CHANGED'
  | 'LOGIN_ALLOW_MISSING'
  | 'LOGIN_ALLOW_NEEDS_SHELL'
  | 'LOGIN_ALREADY_JAILED'
  | 'LOGIN_BAD_MODE'
  | 'LOGIN_BAD_NAME'
  | 'LOGIN_BAD_PATH'
  | 'LOGIN_CHROOT_UNSAFE'
  | 'LOGIN_GROUPADD'
  | 'LOGIN_GROUPDEL'
  | 'LOGIN_GROUP_EXISTS'
  | 'LOGIN_HOME_EXISTS'
  | 'LOGIN_HOME_UNSAFE'
  | 'LOGIN_JAIL_ACCOUNT_CONFLICT'
  | 'LOGIN_JAIL_MISSING'
  | 'LOGIN_KEYS_DIR'
  | 'LOGIN_KEY_INVALID'
  | 'LOGIN_KEY_UNREADABLE'
  | 'LOGIN_NOT_A_JAIL'
  | 'LOGIN_NOT_JAILED'
  | 'LOGIN_NO_FREE_ID'
  | 'LOGIN_NO_SHELL'
  | 'LOGIN_NO_SSHD'
  | 'LOGIN_NSS'
  | 'LOGIN_REBUILD_CONFLICT'
  | 'LOGIN_RECORD_BAD'
  | 'LOGIN_SHELL_READS_RC'
  | 'LOGIN_SSHD_BROKEN'
  | 'LOGIN_SSHD_DIR'
  | 'LOGIN_SSHD_NOT_APPLIED'
  | 'LOGIN_SSHD_REFUSED'
  | 'LOGIN_USERADD'
  | 'LOGIN_USERDEL'
  | 'LOGIN_USER_EXISTS'
  | 'LOGIN_USER_MISSING'
  | 'LOGIN_USER_ROOT'
  | 'MANIFEST_NOT_DIR'
  | 'MANIFEST_NOT_FILE'
  | 'MANIFEST_NOT_FOUND'
  | 'NOT_A_FILE'
  | 'NOT_ELF'
  | 'OCI_BAD_DIGEST'
  | 'OCI_BAD_LAYOUT'
  | 'OCI_BAD_POLICY'
  | 'OCI_BLOB_MISMATCH'
  | 'OCI_BLOB_MISSING'
  | 'OCI_BLOB_TOO_LARGE'
  | 'OCI_NOT_JAILSMITH'
  | 'OCI_NO_PLATFORM'
  | 'OCI_NO_TAG'
  | 'PACKAGES_DB_CORRUPT'
  | 'PACKAGES_NO_DATABASE'
  | 'PACKAGES_RPMDB_UNSUPPORTED'
  | 'PACKAGE_BAD_MANIFEST'
  | 'PACKAGE_BAD_SIGNATURE'
  | 'PACKAGE_CONTENT_MISMATCH'
  | 'PACKAGE_CORRUPT'
  | 'PACKAGE_DUPLICATE'
  | 'PACKAGE_IS_DIRECTORY'
  | 'PACKAGE_META_LATE'
  | 'PACKAGE_META_TOO_LARGE'
  | 'PACKAGE_META_UNKNOWN'
  | 'PACKAGE_MISMATCH'
  | 'PACKAGE_MISSING'
  | 'PACKAGE_NOT_IN_MANIFEST'
  | 'PACKAGE_NOT_JAILSMITH'
  | 'PACKAGE_ORDER'
  | 'PACKAGE_THROUGH_SYMLINK'
  | 'PACKAGE_TYPE_CHANGED'
  | 'PACKAGE_UNKNOWN'
  | 'PACKAGE_UNREADABLE'
  | 'PACKAGE_UNSAFE_NAME'
  | 'PACKAGE_UNSIGNED'
  | 'PACK_OUTPUT'
  | 'PACK_RESERVED_NAME'
  | 'PACK_ROOT'
  | 'PACK_SOURCE'
  | 'PACK_SOURCE_CHANGED'
  | 'PACK_USER_UNKNOWN'
  | 'PLAN_CONFLICT'
  | 'PLAN_INVALID'
  | 'PLAN_NOT_FOUND'
  | 'PLAN_QEMU_STATIC'
  | 'PLAN_ROOT'
  | 'PLAN_UNSUPPORTED'
  | 'PROFILE_INVALID'
  | 'REGISTRY_BAD_REF'
  | 'REGISTRY_BAD_SIGNATURE'
  | 'REGISTRY_DENIED'
  | 'REGISTRY_DIGEST_CHANGED'
  | 'REGISTRY_FAILED'
  | 'REGISTRY_NOT_FOUND'
  | 'REGISTRY_NO_SKOPEO'
  | 'REGISTRY_TAMPERED'
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_UNSIGNED'
  | 'ROOT_ANCESTOR_MISSING'
  | 'ROOT_ANCESTOR_NOT_DIR'
  | 'ROOT_BAD_CAPABILITY'
  | 'ROOT_BAD_HARDLINK'
  | 'ROOT_BAD_TARGET'
  | 'ROOT_DEVICE_NUMBER'
  | 'ROOT_DIR_IS_ROOT'
  | 'ROOT_DIR_NOT_DIR'
  | 'ROOT_DIR_SYMLINK'
  | 'ROOT_DIR_UNREADABLE'
  | 'ROOT_LIVE_IS_DIR'
  | 'ROOT_LIVE_NOT_DIR'
  | 'ROOT_LIVE_READ'
  | 'ROOT_LIVE_ROOT'
  | 'ROOT_LIVE_UNSAFE_DIR'
  | 'ROOT_LOCKED'
  | 'ROOT_MKNOD_FAILED'
  | 'ROOT_MOUNTED'
  | 'ROOT_NOT_A_ROOT'
  | 'ROOT_NOT_DIR'
  | 'ROOT_NOT_FOUND'
  | 'ROOT_PARENT_NOT_DIR'
  | 'ROOT_PATH_NUL'
  | 'ROOT_PATH_RELATIVE'
  | 'ROOT_PATH_UNSAFE'
  | 'ROOT_PLAN_DUPLICATE'
  | 'ROOT_PLAN_ROOT'
  | 'ROOT_PRESERVE_FAILED'
  | 'ROOT_PRESERVE_UNSAFE'
  | 'ROOT_REMOVE_FAILED'
  | 'ROOT_SOURCE_CHANGED'
  | 'ROOT_SOURCE_ESCAPE'
  | 'ROOT_SYMLINK_LOOP'
  | 'ROOT_UNSAFE_ANCESTOR'
  | 'ROOT_WRITE_FAILED'
  | 'ROOT_XATTR_FAILED'
  | 'RUN_ABORTED'
  | 'RUN_BAD_BIND'
  | 'RUN_BAD_CONFIG'
  | 'RUN_BAD_ENV'
  | 'RUN_BAD_LIMIT'
  | 'RUN_BAD_PROC'
  | 'RUN_BAD_SIZE'
  | 'RUN_BAD_TIMEOUT'
  | 'RUN_BAD_TMPFS'
  | 'RUN_BAD_UID_RANGE'
  | 'RUN_BAD_USER'
  | 'RUN_BAD_WORKDIR'
  | 'RUN_BIND_ACL'
  | 'RUN_BIND_SOURCE'
  | 'RUN_BIND_SYMLINK'
  | 'RUN_BIND_TARGET'
  | 'RUN_BIND_TYPE'
  | 'RUN_CGROUP_BUSY'
  | 'RUN_CGROUP_LIMIT'
  | 'RUN_DEVICE'
  | 'RUN_MISSING_TOOL'
  | 'RUN_NEEDS_ROOT'
  | 'RUN_NOT_A_JAIL'
  | 'RUN_NO_CGROUP'
  | 'RUN_NO_COMMAND'
  | 'RUN_NO_FREE_UID'
  | 'RUN_NO_PROC'
  | 'RUN_NO_USERNS'
  | 'RUN_POLICY_RECORD'
  | 'RUN_ROOT_USER'
  | 'RUN_SECCOMP_ARCH'
  | 'RUN_SETUP'
  | 'RUN_STAGE'
  | 'RUN_SPAWN'
  | 'RUN_TMPFS_PATH'
  | 'RUN_UID_RANGE_OVERLAP'
  | 'RUN_UNKNOWN_USER'
  | 'RUN_UNSAFE_JAIL'
  | 'RUN_WORKDIR_CLOSED'
  | 'SCRIPT_BAD_PLAN'
  | 'SCRIPT_BLOB_TOO_BIG'
  | 'SCRIPT_BUNDLE_NEEDS_FILE'
  | 'SCRIPT_DEPTH'
  | 'SCRIPT_OUTPUT'
  | 'SCRIPT_SOURCE_CHANGED'
  | 'SPEC_BINARY_NOT_FOUND'
  | 'SPEC_CAPABILITY'
  | 'SPEC_CAPABILITY_NOT_FILE'
  | 'SPEC_DUPLICATE'
  | 'SPEC_FILE_NOT_FOUND'
  | 'SPEC_INCLUDE_CYCLE'
  | 'SPEC_MODE'
  | 'SPEC_NOT_A_DIR'
  | 'SPEC_NOT_A_FILE'
  | 'SPEC_NOT_FOUND'
  | 'SPEC_PACKAGE_UNKNOWN'
  | 'SPEC_PATH'
  | 'SPEC_PROFILE'
  | 'SPEC_PROFILE_UNMET'
  | 'SPEC_QEMU_MISSING'
  | 'SPEC_REQUIRED'
  | 'SPEC_TRACE_FAILED'
  | 'SPEC_TRACE_FOREIGN_ROOT'
  | 'SPEC_TREE_NOT_FOUND'
  | 'SPEC_TYPE'
  | 'SPEC_UNKNOWN_GROUP'
  | 'SPEC_UNKNOWN_KEY'
  | 'SPEC_UNKNOWN_USER'
  | 'SPEC_VALUE'
  | 'SPEC_YAML'
  | 'SYS_FAULT'
  | 'TRACE_EMPTY'
  | 'TRACE_NOT_RUN'
  | 'TRACE_STRACE'
  | 'TRACE_TOOL'
  | 'USAGE'
  | 'USAGE_ARGV_NOT_UTF8'
  | 'USAGE_TAIL';
