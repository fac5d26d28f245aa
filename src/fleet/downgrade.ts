/**
 * What a target engine cannot express of a policy. Each gap has a key; a policy that needs a gap
 * the caller did not allow with `--downgrade KEY` is an error naming it, and an allowed one is
 * recorded in the output (an annotation), so nothing of the policy is ever dropped silently.
 */
import { UsageError } from '../errors.js';

export type FleetTarget = 'oci' | 'k8s';

/** The gaps of each target, with what the target does instead (shown in errors and --help). */
export const GAPS: Record<FleetTarget, Record<string, string>> = {
  oci: {
    cpu: 'limits.cpu becomes RLIMIT_CPU of each process: the OCI spec has no CPU-seconds limit for the whole job',
    timeout: 'the OCI spec has no wall-clock limit: whoever runs the bundle must kill it',
  },
  k8s: {
    cpu: 'limits.cpu (CPU seconds of the job) is dropped: Kubernetes has no CPU-seconds limit',
    nproc: 'limits.nproc is dropped: a pod’s pids limit is the kubelet’s --pod-max-pids, not the Job’s',
    rlimits: 'limits.as, fsize and nofile are dropped: Kubernetes sets no rlimits',
    tmpfs: 'writable paths become memory-backed emptyDirs, which are mode 0777 and allow exec',
    root: 'the job runs as uid 0 of its user namespace: runAsNonRoot cannot be set',
  },
};

/** One gap the caller allowed, as recorded in the output. */
export interface Downgrade {
  target: FleetTarget;
  key: string;
  /** The policy fields it concerns, e.g. ["limits.cpu"]. */
  fields: string[];
  /** What the target does instead. */
  instead: string;
}

/** Parses `--downgrade` keys for a target; an unknown key is an error listing the known ones. */
export function allowedGaps(target: FleetTarget, keys: readonly string[]): Set<string> {
  const known = Object.keys(GAPS[target]);
  const out = new Set<string>();
  for (const k of keys.flatMap((k) => k.split(',')).map((k) => k.trim())) {
    if (k === '') continue;
    if (!known.includes(k)) {
      throw new UsageError(
        'FLEET_BAD_DOWNGRADE',
        `--downgrade ${k}: ${target} knows only ${known.join(', ')}`,
      );
    }
    out.add(k);
  }
  return out;
}

/** Collects the gaps one rendering needs: an error for a gap not allowed, a record for one allowed. */
export class Gaps {
  readonly taken: Downgrade[] = [];
  constructor(
    readonly target: FleetTarget,
    private readonly allowed: ReadonlySet<string>,
  ) {}

  need(key: string, fields: string[]): void {
    const instead = GAPS[this.target][key] as string;
    if (!this.allowed.has(key)) {
      throw new UsageError(
        'FLEET_CANNOT_EXPRESS',
        `${this.target === 'oci' ? 'an OCI bundle' : 'Kubernetes'} cannot express ${fields.join(', ')}: ${instead}`,
        { hint: `--downgrade ${key} accepts that, and records it in the output` },
      );
    }
    if (!this.taken.some((d) => d.key === key))
      this.taken.push({ target: this.target, key, fields, instead });
  }
}
