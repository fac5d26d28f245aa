import { readRecord } from '../login/record.js';
import { compareBytes } from '../manifest/index.js';
import type { JailPlan } from '../plan/index.js';
import { policyOfPlan, writePolicyRecord } from '../policy/record.js';
import { JailTarget, type WriteProgress } from '../root/index.js';
import { diffCapabilities } from './capability-diff.js';
import { type DiffStats, diffJail, scanJail } from './compare.js';
import { completeEntries, preservedDirs } from './expected.js';
import {
  type CapsRecord,
  collectState,
  type JailState,
  linkRecords,
  readJailState,
  type StateRecord,
  stateRecord,
  writeState,
} from './state.js';
import type { BuildOptions, BuildResult } from './types.js';

/**
 * Makes DIR hold exactly what the plan says. Compares first: when nothing differs, DIR is left
 * untouched. Otherwise the whole jail is written into a private staging tree beside DIR and
 * swapped in, carrying preserved directories (homes) over by rename. Everything that writes is
 * in src/root.
 */
export async function applyPlan(given: JailPlan, dir: string, opts: BuildOptions = {}): Promise<BuildResult> {
  // Login users (`jailsmith user add`) live in a record beside DIR, not in the spec: put them back,
  // or a rebuild would drop their passwd lines and, with them, their homes.
  const logins = readRecord(dir);
  // Loaded only for a jail that has login users: it brings the account file writers along.
  const plan =
    logins.users.length + logins.kept.length === 0
      ? given
      : (await import('../login/plan-merge.js')).withLogins(given, logins);
  const expected = completeEntries(plan.entries);
  const preserve = preservedDirs(expected);
  const target = await JailTarget.open(dir, { unsafeAncestors: opts.unsafeAncestors, preserve });
  try {
    const j = target.paths;
    let diff: ReturnType<typeof diffJail>;
    const stats: DiffStats = { hashed: 0, verified: {} };
    const { files: state, caps: lastCaps } = target.exists
      ? readJailState(j.state)
      : { files: new Map() as JailState, caps: undefined };
    let caps: CapsRecord | undefined;
    if (target.exists) {
      const existing = scanJail(
        j.dir,
        preserve.map((d) => d.path),
        state,
      );
      diff = diffJail(j.dir, expected, existing, state, stats);
      caps = diffCapabilities(j.dir, expected, diff, existing, lastCaps);
    } else {
      diff = { added: expected.map((e) => e.path), changed: [], removed: [], unchanged: [] };
      diff.added.sort(compareBytes);
    }
    const dirty = diff.added.length + diff.changed.length + diff.removed.length > 0;
    const written = dirty || opts.force === true;
    const sources = opts.sourceHashes?.used;
    const facts = opts.fileFacts?.used;
    if (written) {
      let record: StateRecord = {};
      await target.replace(
        expected,
        plan.source,
        (staged, files) => {
          record = collectState(staged, expected, files);
        },
        progressOf(opts, expected.length),
        plan.hostSources,
      );
      writeState(j.state, record, sources, facts);
    } else if (stats.hashed > 0) {
      // Up to date but we had to hash: record it so the next no-op check hashes nothing.
      // Keys from the scan, taken before each file was read: a later change shows as a new ctime.
      const sums = new Map(expected.map((e) => [e.path, 'sha256' in e ? e.sha256 : '']));
      const record: StateRecord = linkRecords(state);
      for (const [p, v] of Object.entries(stats.verified)) if (sums.get(p) === v[1]) record[p] = v;
      writeState(j.state, record, sources, facts, caps);
    } else if (opts.sourceHashes?.changed || opts.fileFacts?.changed || caps !== lastCaps) {
      // Nothing to write in the jail, but the plan read sources, or getfattr confirmed the
      // capabilities (the next no-op need not run it): remember what was learnt.
      writeState(j.state, stateRecord(state), sources, facts, caps);
    }
    // The run: block travels with the jail: pack carries it, run uses it by default.
    writePolicyRecord(j.dir, policyOfPlan(plan));
    return { dir: j.dir, ...diff, written, notes: [...plan.notes, ...target.notes] };
  } finally {
    target.release();
  }
}

/** The writer's running totals (entries written, file bytes copied) for the caller's callback. */
function progressOf(opts: BuildOptions, total: number): WriteProgress | undefined {
  const report = opts.onProgress;
  if (!report) return undefined;
  return (entries, bytes, current) => report({ entries, bytes, current, totalEntries: total });
}
