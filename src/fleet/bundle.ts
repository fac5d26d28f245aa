/**
 * `oci-bundle SRC DIR`: an OCI runtime bundle (rootfs + config.json) whose config carries the run
 * policy. Everything is decided and checked first (policy, jail, host ids, the runtime's
 * features); the bundle is then made in a private directory beside DIR and renamed into place, so
 * a refused input leaves nothing behind.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { errnoCode, UsageError } from '../errors.js';
import { mergePolicy, type RunPolicy, type UidRange } from '../policy/index.js';
import { checkUidRange, configuredUidRange, holdUid } from '../run/index.js';
import { allowedGaps, type Downgrade, Gaps } from './downgrade.js';
import { resolveJob } from './job.js';
import { jobHostUid, ociConfig } from './oci-config.js';
import { checkFeatures, type RuntimeFeatures, runtimeFeatures } from './runtime.js';
import { openFleetSource } from './source.js';

export interface OciBundleOptions {
  source: string;
  dir: string;
  /** The policy (from --spec); default the one SRC carries. */
  policy?: RunPolicy;
  /** Command-line overrides on it. */
  overrides?: RunPolicy;
  /** Arguments after the policy's entrypoint (instead of its cmd). */
  command?: string[];
  /** Gap keys (GAPS.oci) the caller accepts. */
  downgrade?: string[];
  /** First of the two host ids the user namespace maps (container root; the job gets the next). */
  hostId?: number;
  uidRange?: UidRange;
  /** root.path is the jail directory itself, not a copy (a jail directory SRC only). */
  inPlace?: boolean;
  /** The runtime whose features the config is checked against; null: no check. Default "runc". */
  runtime?: string | null;
  arch?: string;
}

export interface OciBundleResult {
  dir: string;
  config: string;
  /** root.path as written: "rootfs", or the jail's absolute path with inPlace. */
  root: string;
  /** Host uid of the job and of the container's root. */
  hostUid: number;
  hostRootUid: number;
  downgrades: Downgrade[];
  runtime: { path: string; version: string | null } | null;
}

/** DIR must not exist, or be an empty directory; its parent must exist. */
function checkTarget(dir: string): boolean {
  try {
    const st = statSync(dir);
    if (!st.isDirectory() || readdirSync(dir).length > 0) {
      throw new UsageError('FLEET_TARGET', 'the bundle directory exists and is not empty', { path: dir });
    }
    return true;
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  if (!statSync(path.dirname(path.resolve(dir)), { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError('FLEET_TARGET', 'the bundle directory’s parent does not exist', { path: dir });
  }
  return false;
}

/** Two consecutive ids of the range (one when the job is root): given, or a free one now. */
async function hostIds(range: UidRange, given: number | undefined, jobIsRoot: boolean): Promise<number> {
  const need = jobIsRoot ? 1 : 2;
  if (given !== undefined) {
    if (!Number.isSafeInteger(given) || given < range.first || given + need - 1 > range.last) {
      throw new UsageError(
        'FLEET_BAD_HOST_UID',
        `--host-uid ${given}: ${need} id(s) from it must lie in the job uid range ${range.first}-${range.last}`,
      );
    }
    return given;
  }
  // A uid no running jailsmith job holds; the bundle keeps it, so give each concurrent bundle its own.
  const held = await holdUid({ first: range.first, last: range.last - need + 1 });
  await held.release();
  return held.uid;
}

/**
 * runc's init mounts the root and the bind sources as the container's root, a host uid of the
 * range with no rights on the host: every directory on the way must be searchable by others.
 */
function checkReachable(hostPath: string, what: string): void {
  const parts = path.resolve(hostPath).split('/').filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const dir = `/${parts.slice(0, i).join('/')}`;
    const st = statSync(dir, { throwIfNoEntry: false });
    if (!st) return; // made by us below, searchable
    if ((st.mode & 0o001) === 0) {
      throw new UsageError(
        'FLEET_UNREACHABLE',
        `${what} ${hostPath} cannot be reached by the container's uid: ${dir} is not searchable by others`,
        { path: dir, hint: `chmod o+x ${dir}, or put the bundle elsewhere` },
      );
    }
  }
}

export async function makeOciBundle(opts: OciBundleOptions): Promise<OciBundleResult> {
  const gaps = new Gaps('oci', allowedGaps('oci', opts.downgrade ?? []));
  const dirExists = checkTarget(opts.dir);
  const range = configuredUidRange(opts.uidRange);
  checkUidRange(range);
  const features: RuntimeFeatures | null =
    opts.runtime === null ? null : runtimeFeatures(opts.runtime ?? 'runc');
  const src = await openFleetSource(opts.source);
  try {
    if (opts.inPlace && src.kind !== 'dir') {
      throw new UsageError('FLEET_IN_PLACE', '--in-place needs a jail directory as SRC', {
        path: opts.source,
      });
    }
    const policy = mergePolicy(opts.policy ?? src.policy ?? {}, opts.overrides ?? {});
    const job = resolveJob(src.dir, policy, {
      ...(opts.command ? { command: opts.command } : {}),
      bindSources: true,
    });
    const hostId = await hostIds(range, opts.hostId, job.uid === 0 && job.gid === 0);
    const root = opts.inPlace ? job.jail : 'rootfs';
    checkReachable(opts.inPlace ? path.join(job.jail, 'x') : path.resolve(opts.dir, 'rootfs'), 'the root');
    for (const b of job.binds) checkReachable(b.source as string, `bind ${b.target}: its source`);
    const config = ociConfig(job, {
      hostId,
      rootPath: root,
      gaps,
      ...(opts.arch ? { arch: opts.arch } : {}),
    });
    if (features) checkFeatures(config, features);
    // Checked; now written, in a private directory beside DIR that becomes DIR whole.
    const parent = path.dirname(path.resolve(opts.dir));
    const staging = mkdtempSync(path.join(parent, `.${path.basename(opts.dir)}.jailsmith-`));
    try {
      // mkdtemp's 0700 would keep the container's root out of its own rootfs.
      chmodSync(staging, 0o755);
      if (!opts.inPlace) {
        mkdirSync(path.join(staging, 'rootfs'), { mode: 0o755 });
        // The tree as it stands: owners, modes, links, device nodes, capabilities and ACLs kept.
        execFileSync('cp', ['-a', '--', `${src.dir}/.`, path.join(staging, 'rootfs')], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
      }
      writeFileSync(path.join(staging, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, {
        mode: 0o644,
      });
      if (dirExists) rmdirSync(opts.dir);
      renameSync(staging, opts.dir);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      throw e;
    }
    return {
      dir: path.resolve(opts.dir),
      config: path.join(path.resolve(opts.dir), 'config.json'),
      root,
      hostUid: jobHostUid(job, hostId),
      hostRootUid: hostId,
      downgrades: gaps.taken,
      runtime: features ? { path: features.path, version: features.version } : null,
    };
  } finally {
    src.cleanup();
  }
}
