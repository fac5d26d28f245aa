/**
 * A resolved job as Kubernetes objects: a Job whose pod holds the policy (a user namespace, the
 * job's numeric user, no privileges, a read-only root, memory-backed emptyDirs for the writable
 * paths, a Localhost seccomp profile, resource limits, a deadline, no service-account token), and
 * a NetworkPolicy denying all traffic when the policy says no network. Plain objects, rendered to
 * YAML by the caller; the tests validate them against the Kubernetes schema.
 */
import { UsageError } from '../errors.js';
import type { Downgrade, Gaps } from './downgrade.js';
import type { FleetJob } from './job.js';

export const LABEL = 'jailsmith.io/job';
export const ANNOTATION_DOWNGRADES = 'jailsmith.io/downgrades';

export interface K8sOptions {
  /** metadata.name of the Job (a DNS-1123 label). */
  name: string;
  image: string;
  /** PersistentVolumeClaim per bind target: Kubernetes has no host paths to bind. */
  claims: Record<string, string>;
  /** localhostProfile: relative to the kubelet's seccomp directory. */
  seccompProfile: string;
  namespace?: string;
  gaps: Gaps;
}

/** Bytes as a Kubernetes quantity: Gi, Mi or Ki when exact, else plain bytes. */
export function quantity(bytes: number): string {
  for (const [suffix, n] of [
    ['Gi', 1024 ** 3],
    ['Mi', 1024 ** 2],
    ['Ki', 1024],
  ] as const) {
    if (bytes % n === 0) return `${bytes / n}${suffix}`;
  }
  return String(bytes);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function checkName(name: string): string {
  if (!DNS_LABEL.test(name)) {
    throw new UsageError(
      'K8S_BAD_NAME',
      `"${name}" is not a Kubernetes name (lower-case letters, digits and '-', at most 63)`,
      { hint: '--name my-job' },
    );
  }
  return name;
}

function resources(job: FleetJob, gaps: Gaps) {
  const l = job.limits;
  if (l.cpu !== undefined) gaps.need('cpu', ['limits.cpu']);
  if (l.nproc !== undefined) gaps.need('nproc', ['limits.nproc']);
  const r = (['as', 'fsize', 'nofile'] as const).filter((k) => l[k] !== undefined);
  if (r.length > 0)
    gaps.need(
      'rlimits',
      r.map((k) => `limits.${k}`),
    );
  const limits: Record<string, string> = {};
  // A memory-backed emptyDir's pages count against the container's memory limit, as tmpfs
  // pages count against the job's cgroup under `jailsmith run`.
  if (l.mem !== undefined) limits.memory = quantity(l.mem);
  if (l.cores !== undefined) limits.cpu = `${Math.ceil(l.cores * 1000)}m`;
  // Requests equal to limits: the scheduler reserves what the job may use.
  return Object.keys(limits).length > 0 ? { limits, requests: { ...limits } } : {};
}

function volumes(job: FleetJob, opts: K8sOptions) {
  const inexpressible = job.tmpfs.filter((t) => !t.exec || (t.mode & 0o7777) !== 0o777);
  if (inexpressible.length > 0)
    opts.gaps.need(
      'tmpfs',
      inexpressible.map((t) => `tmpfs ${t.target}`),
    );
  const mounts: Record<string, unknown>[] = [];
  const vols: Record<string, unknown>[] = [];
  job.tmpfs.forEach((t, i) => {
    mounts.push({ name: `tmpfs-${i}`, mountPath: t.target });
    vols.push({ name: `tmpfs-${i}`, emptyDir: { medium: 'Memory', sizeLimit: quantity(t.size) } });
  });
  for (const target of Object.keys(opts.claims)) {
    if (!job.binds.some((b) => b.target === target)) {
      throw new UsageError('K8S_BAD_CLAIM', `--claim ${target}: the policy binds nothing there`);
    }
  }
  job.binds.forEach((b, i) => {
    const claimName = opts.claims[b.target];
    if (claimName === undefined) {
      throw new UsageError(
        'K8S_BIND_CLAIM',
        `the policy binds ${b.target}, and Kubernetes has no host path to bind: name a PersistentVolumeClaim`,
        { hint: `--claim ${b.target}=CLAIM` },
      );
    }
    mounts.push({ name: `bind-${i}`, mountPath: b.target, readOnly: b.readOnly });
    vols.push({ name: `bind-${i}`, persistentVolumeClaim: { claimName, readOnly: b.readOnly } });
  });
  return { mounts, vols };
}

export function k8sJob(job: FleetJob, opts: K8sOptions): Record<string, unknown> {
  const g = opts.gaps;
  if (job.uid === 0) g.need('root', ['user']);
  const user = { runAsUser: job.uid, runAsGroup: job.gid, runAsNonRoot: job.uid !== 0 };
  const res = resources(job, g);
  const { mounts, vols } = volumes(job, opts);
  const meta = (extra: Record<string, unknown>) => ({
    name: opts.name,
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    ...extra,
  });
  const container = {
    name: 'job',
    image: opts.image,
    command: job.argv,
    workingDir: job.workdir,
    env: Object.keys(job.env)
      .sort()
      .map((name) => ({ name, value: job.env[name] as string })),
    securityContext: {
      ...user,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    resources: res,
    volumeMounts: mounts,
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta({
      labels: { [LABEL]: opts.name },
      annotations: { [ANNOTATION_DOWNGRADES]: JSON.stringify(g.taken satisfies Downgrade[]) },
    }),
    spec: {
      backoffLimit: 0,
      ...(job.timeout !== undefined ? { activeDeadlineSeconds: Math.ceil(job.timeout) } : {}),
      template: {
        metadata: { labels: { [LABEL]: opts.name } },
        spec: {
          restartPolicy: 'Never',
          hostUsers: false,
          hostNetwork: false,
          hostPID: false,
          hostIPC: false,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            ...user,
            seccompProfile: job.seccomp
              ? { type: 'Localhost', localhostProfile: opts.seccompProfile }
              : { type: 'Unconfined' },
          },
          containers: [container],
          volumes: vols,
        },
      },
    },
  };
}

/** No traffic in or out of the Job's pods (loopback is not a pod's traffic): `net: none`. */
export function k8sNetworkPolicy(opts: Pick<K8sOptions, 'name' | 'namespace'>): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `${opts.name}-no-network`, ...(opts.namespace ? { namespace: opts.namespace } : {}) },
    spec: {
      podSelector: { matchLabels: { [LABEL]: opts.name } },
      policyTypes: ['Ingress', 'Egress'],
    },
  };
}
