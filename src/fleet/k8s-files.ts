/**
 * `k8s SRC --image REF`: the Job and NetworkPolicy YAML, and the seccomp profile the Job names,
 * laid out as the node wants it: OUT/NAME.yaml, OUT/seccomp/jailsmith/NAME.json (the kubelet's
 * Localhost profiles are files under its seccomp directory, /var/lib/kubelet/seccomp by default).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { UsageError } from '../errors.js';
import { mergePolicy, type RunPolicy } from '../policy/index.js';
import { ociSeccompProfile } from '../run/index.js';
import { allowedGaps, type Downgrade, Gaps } from './downgrade.js';
import { resolveJob } from './job.js';
import { checkName, k8sJob, k8sNetworkPolicy } from './k8s.js';
import { openFleetSource } from './source.js';

export interface K8sFilesOptions {
  source: string;
  image: string;
  /** Output directory; default NAME-k8s. */
  out?: string;
  /** Job name; default the jail's name. */
  name?: string;
  namespace?: string;
  policy?: RunPolicy;
  overrides?: RunPolicy;
  command?: string[];
  downgrade?: string[];
  claims?: Record<string, string>;
  arch?: string;
}

export interface K8sFilesResult {
  name: string;
  yaml: string;
  seccompProfile: string | null;
  /** The Job's localhostProfile. */
  localhostProfile: string | null;
  networkPolicy: boolean;
  downgrades: Downgrade[];
  /** The objects, as written. */
  objects: Record<string, unknown>[];
}

export async function makeK8sFiles(opts: K8sFilesOptions): Promise<K8sFilesResult> {
  const gaps = new Gaps('k8s', allowedGaps('k8s', opts.downgrade ?? []));
  if (opts.image.trim() === '') throw new UsageError('K8S_BAD_IMAGE', '--image must name an image');
  const src = await openFleetSource(opts.source);
  try {
    const name = checkName(opts.name ?? src.name);
    const policy = mergePolicy(opts.policy ?? src.policy ?? {}, opts.overrides ?? {});
    const job = resolveJob(src.dir, policy, {
      ...(opts.command ? { command: opts.command } : {}),
      bindSources: false,
    });
    const localhostProfile = `jailsmith/${name}.json`;
    const common = { name, ...(opts.namespace ? { namespace: opts.namespace } : {}) };
    const objects = [
      k8sJob(job, {
        ...common,
        image: opts.image,
        claims: opts.claims ?? {},
        seccompProfile: localhostProfile,
        gaps,
      }),
      ...(job.net === 'none' ? [k8sNetworkPolicy(common)] : []),
    ];
    const out = opts.out ?? `${name}-k8s`;
    const yaml = path.join(out, `${name}.yaml`);
    const text = objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
    mkdirSync(out, { recursive: true });
    writeFileSync(yaml, text);
    let profile: string | null = null;
    if (job.seccomp) {
      profile = path.join(out, 'seccomp', localhostProfile);
      mkdirSync(path.dirname(profile), { recursive: true });
      writeFileSync(profile, `${JSON.stringify(ociSeccompProfile(opts.arch), null, 2)}\n`);
    }
    return {
      name,
      yaml,
      seccompProfile: profile,
      localhostProfile: job.seccomp ? localhostProfile : null,
      networkPolicy: job.net === 'none',
      downgrades: gaps.taken,
      objects,
    };
  } finally {
    src.cleanup();
  }
}
