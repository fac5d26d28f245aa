/**
 * The jailsmith library API: one entry per stage (load a spec, plan, build, script, pack, install,
 * verify, audit, run, resolve, login users), the error classes and the types they take and return.
 * Every function returns data; only src/cli prints or exits. The README lists these names (a test
 * keeps the list equal to dist/index.d.ts). Everything else: `jailsmith/internal` (src/internal.ts).
 */

export {
  type AuditOptions,
  type AuditReport,
  auditJail,
  type Finding,
  type Severity,
} from './audit/index.js';
export {
  applyPlan,
  type BuildJailOptions,
  type BuildOptions,
  type BuildResult,
  buildJail,
} from './build/index.js';
export {
  AuditError,
  DistroError,
  ElfError,
  type ErrorCode,
  isJailError,
  JailError,
  type JailErrorOptions,
  LoginError,
  ManifestError,
  PackageRefused,
  PackError,
  PlanError,
  ResolveError,
  RootError,
  RunError,
  ScriptError,
  SpecError,
  SystemError,
  UsageError,
} from './errors.js';
export { importJailkit } from './import/index.js';
export { addLoginUser, listLoginUsers, removeLoginUser } from './login/index.js';
export { type Manifest, manifestOf } from './manifest/index.js';
export {
  type InstallOptions,
  type InstallResult,
  installPackage,
  keygen,
  type PackOptions,
  type PackResult,
  packJail,
  verifyPackage,
} from './pack/index.js';
export {
  type CreatePlanOptions,
  createPlan,
  type JailPlan,
  loadPlanOrSpec,
  type PlanEntry,
  type PlanOrSpec,
} from './plan/index.js';
export { policyFromSpec, type RunPolicy } from './policy/index.js';
export type { OnProgress, Progress } from './progress.js';
export { createResolver, SourceRoot } from './resolve/index.js';
export type { Dependencies, ResolveOptions, Resolver } from './resolve/types.js';
export { type RunOptions, type RunResult, runJail } from './run/index.js';
export { type EmitOptions, type EmitResult, emitScript } from './script/index.js';
export { type JailSpec, type LoadSpecOptions, loadSpec } from './spec/index.js';
export { VERSION } from './version.js';
