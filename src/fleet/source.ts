/**
 * SRC of the fleet commands: a jail directory, a spec (or saved plan, built into a private temp
 * dir by src/pack's openPackSource), or a jailsmith package (installed, verified, by
 * installPackage). The policy comes from `--spec FILE`, else a spec SRC, else what the jail
 * recorded (recordedPolicy), else `jailsmith run`'s defaults.
 */
import { closeSync, lstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errnoCode, UsageError } from '../errors.js';
import { installImage, installPackage, isLayout, openPackSource, splitLayoutArg } from '../pack/index.js';
import { loadPlanOrSpec } from '../plan/index.js';
import { policyFromSpec, type RunPolicy, readPolicyRecord } from '../policy/index.js';

export interface FleetSource {
  kind: 'dir' | 'spec' | 'package';
  /** The jail tree. */
  dir: string;
  name: string;
  /** The policy SRC carries (a spec's run: block, or what the jail recorded), if any. */
  policy?: RunPolicy;
  /** Removes a temporary build or install. */
  cleanup(): void;
}

/** The policy recorded with a built or installed jail (`build` and `install` write it), if it has one. */
export function recordedPolicy(jailDir: string): RunPolicy | undefined {
  return readPolicyRecord(jailDir);
}

/** A tar or gzip file: a package, not a spec. */
function isArchive(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(263);
    const n = readSync(fd, b, 0, 263, 0);
    return (
      (n >= 2 && b[0] === 0x1f && b[1] === 0x8b) || (n >= 262 && b.toString('latin1', 257, 262) === 'ustar')
    );
  } finally {
    closeSync(fd);
  }
}

export interface OpenOptions {
  /** Where a package is installed (a bundle's rootfs); default a private temp dir. */
  installAt?: string;
}

/** An OCI layout (`LAYOUT` or `LAYOUT:TAG`) made by `pack --format oci`: verified and installed like a package. */
async function openImage(layout: { dir: string; tag?: string }, opts: OpenOptions): Promise<FleetSource> {
  const tmp = opts.installAt ? undefined : mkdtempSync(path.join(os.tmpdir(), 'jailsmith-fleet-'));
  const dir = opts.installAt ?? path.join(tmp as string, 'jail');
  try {
    await installImage(layout.dir, dir, layout.tag === undefined ? {} : { tag: layout.tag });
  } catch (e) {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const policy = recordedPolicy(dir);
  return {
    kind: 'package',
    dir,
    name: path.basename(path.resolve(layout.dir)) || 'jail',
    ...(policy ? { policy } : {}),
    cleanup: () => {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export async function openFleetSource(src: string, opts: OpenOptions = {}): Promise<FleetSource> {
  const layout = splitLayoutArg(src, isLayout);
  if (isLayout(layout.dir)) return openImage(layout, opts);
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(src);
  } catch (e) {
    throw new UsageError('FLEET_SOURCE', `cannot read source: ${errnoCode(e) ?? e}`, { path: src });
  }
  if (st.isDirectory()) {
    const name = path.basename(path.resolve(src)) || 'jail';
    const policy = recordedPolicy(src);
    return { kind: 'dir', dir: src, name, ...(policy ? { policy } : {}), cleanup() {} };
  }
  if (!st.isFile()) {
    throw new UsageError('FLEET_SOURCE', 'source is neither a jail directory, a spec nor a package', {
      path: src,
    });
  }
  if (isArchive(src)) {
    const tmp = opts.installAt ? undefined : mkdtempSync(path.join(os.tmpdir(), 'jailsmith-fleet-'));
    const dir = opts.installAt ?? path.join(tmp as string, 'jail');
    try {
      await installPackage(src, dir);
    } catch (e) {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    const name = path.basename(src).replace(/\.(tar|tar\.gz|tgz|jpkg)$/, '');
    const policy = recordedPolicy(dir);
    return {
      kind: 'package',
      dir,
      name,
      ...(policy ? { policy } : {}),
      cleanup: () => {
        if (tmp) rmSync(tmp, { recursive: true, force: true });
      },
    };
  }
  // A saved plan carries no run policy of its own; a spec's run: block is the policy.
  const loaded = await loadPlanOrSpec(src);
  const built = await openPackSource(src);
  const policy: RunPolicy | undefined = loaded.kind === 'spec' ? policyFromSpec(loaded.spec, src) : undefined;
  return {
    kind: 'spec',
    dir: built.dir,
    name: built.name,
    ...(policy ? { policy } : {}),
    cleanup: built.cleanup,
  };
}
