import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type CopyBatch, type CopyFailure, runCopyJobs } from './copy-jobs.js';

/**
 * Past a few copy streams the file system, not the CPU, is the limit: helpers at most, beside
 * the thread that asks. On 2 cores one helper made the python jail's copies 1.7x as fast; the
 * earlier way, eight copies at once through libuv's pool of 4, was slower than one at a time
 * (each copy a round trip through the event loop, 5 threads on 2 cores).
 */
const MAX_HELPERS = 3;

/**
 * How many helper threads a cold build copies with: JAILSMITH_COPY_THREADS, 0 (none) unless set,
 * and never more than MAX_HELPERS or one less than the cores; anything but a whole number is 0.
 * Off by default: on ext4 without a journal (this project's test machines), after a mass delete
 * every new inode is found by scanning past the recently deleted ones, two threads creating files
 * at once each scan the same run, and a build took up to twice as long (0.5-0.9 s against 0.3 s).
 * On a quiet file system one helper saved a quarter (0.32 -> 0.24 s, cp -a 0.18 s).
 */
export function copyHelpers(env: NodeJS.ProcessEnv = process.env): number {
  const asked = env.JAILSMITH_COPY_THREADS ?? '';
  if (!/^\d+$/.test(asked)) return 0;
  return Math.min(Number(asked), MAX_HELPERS, availableParallelism() - 1);
}

/** Fewer files than this are copied on the caller's thread alone: a helper costs ~20 ms of CPU to start. */
export const POOL_MIN_FILES = 64;

/**
 * A helper runs runCopyJobs from its own source text (see there): no module file to find, the
 * same code whether jailsmith runs from dist/ or from a bundle.
 */
const HELPER = `'use strict';
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const runCopyJobs = ${runCopyJobs.toString()};
parentPort.once('message', (batch) => {
  let jobs = 0;
  const failure = runCopyJobs(fs, batch, () => { jobs++; });
  parentPort.postMessage({ failure, jobs });
});
`;

interface Helper {
  worker: Worker;
  /** What the helper reported when its loop ended; null if it died or never started. */
  report: Promise<{ failure: CopyFailure | null; jobs: number } | null>;
  exited: boolean;
}

/**
 * Threads that copy a StagingWriter's files beside it. Started early (the constructor), so they
 * boot while the writer makes directories; `start` hands them the batch, `join` works on it on
 * this thread too and returns once every job taken has ended. A helper that cannot start costs
 * speed only: this thread takes whatever nobody else took.
 */
export class CopyPool {
  private readonly helpers: Helper[] = [];

  constructor(count: number) {
    for (let k = 0; k < count; k++) {
      let worker: Worker;
      try {
        worker = new Worker(HELPER, { eval: true });
      } catch {
        break; // see above: only speed is lost
      }
      const h: Helper = { worker, exited: false, report: Promise.resolve(null) };
      h.report = new Promise((resolve) => {
        worker.once('message', resolve);
        worker.once('error', () => resolve(null));
        worker.once('exit', () => {
          h.exited = true;
          resolve(null);
        });
      });
      this.helpers.push(h);
    }
  }

  /** How many helper threads were started. */
  get size(): number {
    return this.helpers.length;
  }

  /** Hands the batch to the helpers: they start on it as soon as they are up. */
  start(b: CopyBatch): void {
    for (const h of this.helpers) h.worker.postMessage(b);
  }

  /**
   * Works on the batch on this thread until no group is left, waits for every job the helpers
   * took, and returns the first failure (null: every file is in place and settled). `after` hears
   * of each job this thread finished. After a failure, it returns only once every helper stopped:
   * nothing writes into the staging tree after that.
   */
  async join(b: CopyBatch, after?: (index: number) => void): Promise<CopyFailure | null> {
    const own = runCopyJobs(fs, b, after);
    const n = b.src.length;
    // This thread found no group left: every job was taken, and ends, or a failure stops it.
    for (;;) {
      const finished = Atomics.load(b.control, 1);
      if (finished >= n || Atomics.load(b.control, 2) !== 0) break;
      if (this.helpers.every((h) => h.exited)) {
        // The first job with no stat recorded (no inode is 0) was the dead helper's.
        let index = 0;
        while (index < n - 1 && b.stats[4 * index + 1] !== 0) index++;
        return { index, kind: 'write', detail: 'a copy thread ended in the middle of its work' };
      }
      // Woken by the helper that finishes a job; the timeout lets 'exit' events in.
      const w = (Atomics as unknown as AtomicsWaitAsync).waitAsync(b.control, 1, finished, 50);
      if (w.async) await w.value;
    }
    if (Atomics.load(b.control, 2) === 0) return null;
    const reports = await Promise.all(this.helpers.map((h) => h.report));
    return own ?? reports.find((r) => r?.failure)?.failure ?? null;
  }

  /** Stops the helpers on the batch (they take no further job) and waits until each has. */
  async stop(b: CopyBatch): Promise<void> {
    Atomics.compareExchange(b.control, 2, 0, -1);
    await Promise.all(this.helpers.map((h) => h.report));
  }

  /** Lets the helpers go (idle ones, or ones still starting, that will find nothing to do). */
  close(): void {
    for (const h of this.helpers) void h.worker.terminate();
  }
}

/** Atomics.waitAsync (ES2024; Node has it since 16): the typings this project builds with lack it. */
interface AtomicsWaitAsync {
  waitAsync(
    a: Int32Array,
    index: number,
    value: number,
    timeout: number,
  ): { async: false; value: string } | { async: true; value: Promise<string> };
}
