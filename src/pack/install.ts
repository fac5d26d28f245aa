import type { KeyObject } from 'node:crypto';
import type { ManifestEntry } from '../manifest/index.js';
import { writePolicyRecord } from '../policy/index.js';
import type { OnProgress } from '../progress.js';
import { EntrySink, JailTarget } from '../root/index.js';
import { type PackageReport, readPackage, type TreeSink } from './read-package.js';

export interface InstallOptions {
  trust?: KeyObject;
  /** Called as entries are unpacked (install only; bytes count file contents written). */
  onProgress?: OnProgress;
}

export interface InstallResult extends PackageReport {
  dir: string;
  /** An existing tree at DIR was replaced. */
  replaced: boolean;
  /** What opening DIR had to clean up (leftovers of an interrupted build or install). */
  notes: string[];
}

/**
 * Installs a package at `dir`. This file only reads and verifies; src/root writes: DIR is opened
 * like a build target (ancestors, type, mounts, lock, recovery), every verified entry goes into
 * a fresh private staging tree, and only a fully verified tree is swapped in. A refused package
 * leaves `dir` and its surroundings as they were.
 */
export async function installPackage(
  pkg: string,
  dir: string,
  opts: InstallOptions = {},
): Promise<InstallResult> {
  const target = await JailTarget.open(dir);
  try {
    const replaced = target.exists;
    let report: PackageReport | undefined;
    await target.swapIn(async (staging) => {
      const sink = new EntrySink(staging);
      try {
        report = await readPackage(pkg, { trust: opts.trust, sink: counting(sink, opts.onProgress) });
        await sink.finish();
      } finally {
        sink.close();
      }
    });
    const done = report as PackageReport;
    // Recorded even when empty: a policy of an earlier install must not outlive its tree.
    writePolicyRecord(target.paths.dir, done.policy ?? {});
    return { ...done, dir: target.paths.dir, replaced, notes: target.notes };
  } finally {
    target.release();
  }
}

/** Forwards to the sink and reports running totals: entries done, file bytes written. */
function counting(sink: TreeSink, onProgress: OnProgress | undefined): TreeSink {
  if (!onProgress) return sink;
  let done = 0;
  let bytes = 0;
  return {
    begin: (e: ManifestEntry) => sink.begin(e),
    write: (chunk: Buffer) => {
      sink.write(chunk);
      bytes += chunk.length;
    },
    end: (e: ManifestEntry) => {
      sink.end(e);
      onProgress({ entries: ++done, bytes, current: e.path });
    },
  };
}

export async function verifyPackage(pkg: string, opts: InstallOptions = {}): Promise<PackageReport> {
  return readPackage(pkg, { trust: opts.trust });
}
