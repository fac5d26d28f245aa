/**
 * The renderers on a fixed job (the python jail's policy with every limit): golden files show
 * every field that carries policy (UPDATE_GOLDEN=1 regenerates them); the Kubernetes objects
 * validate against the Kubernetes schema; a gap is an error unless --downgrade accepts it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type FleetJob, Gaps, k8sJob, k8sNetworkPolicy, ociConfig, quantity } from '../../src/fleet/index.js';
import { ociSeccompProfile } from '../../src/run/seccomp/index.js';

const GOLDEN = path.join(import.meta.dirname, 'golden');

function golden(name: string, text: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}

const MiB = 1024 ** 2;

function pythonJob(over: Partial<FleetJob> = {}): FleetJob {
  return {
    jail: '/srv/jails/py',
    uid: 1000,
    gid: 1000,
    argv: ['/usr/bin/python3', '/in/job.py'],
    env: { PATH: '/usr/bin:/bin', HOME: '/home/app', LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' },
    workdir: '/home/app',
    tmpfs: [
      { target: '/home/app', size: 64 * MiB, mode: 0o700, exec: false },
      { target: '/tmp', size: 64 * MiB, mode: 0o1777, exec: false },
    ],
    binds: [
      { target: '/in', readOnly: true, source: '/srv/work/in' },
      { target: '/out', readOnly: false, source: '/srv/work/out' },
    ],
    devices: [
      { path: '/dev/null', major: 1, minor: 3, mode: 0o666 },
      { path: '/dev/urandom', major: 1, minor: 9, mode: 0o666 },
      { path: '/dev/zero', major: 1, minor: 5, mode: 0o666 },
    ],
    limits: { cpu: 60, mem: 256 * MiB, nproc: 64, cores: 0.5, as: 1024 * MiB, fsize: 16 * MiB, nofile: 256 },
    net: 'none',
    timeout: 600,
    seccomp: true,
    ...over,
  };
}

describe('OCI config.json', () => {
  it('carries the policy (golden), with the seccomp profile written once for both engines', () => {
    const gaps = new Gaps('oci', new Set(['cpu', 'timeout']));
    const config = ociConfig(pythonJob(), { hostId: 2_000_000_100, rootPath: 'rootfs', gaps, arch: 'x64' });
    const linux = config.linux as Record<string, unknown>;
    expect(linux.seccomp).toEqual(ociSeccompProfile('x64'));
    golden(
      'oci-config.golden.json',
      `${JSON.stringify({ ...config, linux: { ...linux, seccomp: '(ociSeccompProfile)' } }, null, 2)}\n`,
    );
    expect(gaps.taken.map((d) => d.key)).toEqual(['timeout', 'cpu']);
  });

  it('maps only the job and the container root, never host uid 0 or 1000', () => {
    const config = ociConfig(pythonJob({ timeout: undefined, limits: {} }), {
      hostId: 2_000_000_100,
      rootPath: 'rootfs',
      gaps: new Gaps('oci', new Set()),
    });
    const maps = (config.linux as { uidMappings: { hostID: number }[] }).uidMappings.map((m) => m.hostID);
    expect(maps).toEqual([2_000_000_100, 2_000_000_101]);
    // net: host keeps the host's network namespace; nothing else changes.
    const host = ociConfig(pythonJob({ timeout: undefined, limits: {}, net: 'host' }), {
      hostId: 2_000_000_100,
      rootPath: 'rootfs',
      gaps: new Gaps('oci', new Set()),
    });
    expect(JSON.stringify(host)).not.toContain('"network"');
  });

  it('a CPU-seconds limit or a timeout is an error naming it without --downgrade', () => {
    const none = () => new Gaps('oci', new Set());
    expect(() => ociConfig(pythonJob({ limits: {} }), { hostId: 1, rootPath: 'r', gaps: none() })).toThrow(
      /cannot express timeout/,
    );
    expect(() =>
      ociConfig(pythonJob({ timeout: undefined }), { hostId: 1, rootPath: 'r', gaps: none() }),
    ).toThrow(/cannot express limits\.cpu/);
  });
});

describe('Kubernetes Job and NetworkPolicy', () => {
  const opts = (gaps: Gaps) => ({
    name: 'py-job',
    namespace: 'grading',
    image: 'registry.example/py@sha256:0000000000000000000000000000000000000000000000000000000000000000',
    claims: { '/in': 'work-in', '/out': 'work-out' },
    seccompProfile: 'jailsmith/py-job.json',
    gaps,
  });

  it('carry the policy (golden) and validate against the Kubernetes schema', () => {
    const gaps = new Gaps('k8s', new Set(['cpu', 'nproc', 'rlimits', 'tmpfs']));
    const job = k8sJob(pythonJob(), opts(gaps));
    const np = k8sNetworkPolicy({ name: 'py-job', namespace: 'grading' });
    new Job(job as ConstructorParameters<typeof Job>[0]).validate();
    new NetworkPolicy(np as ConstructorParameters<typeof NetworkPolicy>[0]).validate();
    golden('k8s.golden.yaml', [job, np].map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
    expect(gaps.taken.map((d) => d.key)).toEqual(['cpu', 'nproc', 'rlimits', 'tmpfs']);
  });

  it('the schema check is real: a wrong field fails it', () => {
    const job = k8sJob(pythonJob(), opts(new Gaps('k8s', new Set(['cpu', 'nproc', 'rlimits', 'tmpfs']))));
    const bad = { ...job, spec: { ...(job.spec as object), activeDeadlineSeconds: 'ten minutes' } };
    expect(() => new Job(bad as ConstructorParameters<typeof Job>[0]).validate()).toThrow();
  });

  it.each([
    ['limits.cpu', { limits: { cpu: 10 } }],
    ['limits.nproc', { limits: { nproc: 10 } }],
    ['limits.nofile', { limits: { nofile: 10 } }],
    ['tmpfs /tmp', { limits: {} }],
    ['user', { limits: {}, uid: 0, tmpfs: [] }],
  ] as const)('%s is an error naming it without --downgrade', (field, over) => {
    expect(() => k8sJob(pythonJob(over as Partial<FleetJob>), opts(new Gaps('k8s', new Set())))).toThrow(
      new RegExp(`cannot express .*${field.replace('.', '\\.')}`),
    );
  });

  it('a bind needs a claim; sizes are exact quantities', () => {
    const gaps = new Gaps('k8s', new Set(['cpu', 'nproc', 'rlimits', 'tmpfs']));
    expect(() => k8sJob(pythonJob(), { ...opts(gaps), claims: { '/in': 'x' } })).toThrow(/binds \/out/);
    expect([quantity(256 * MiB), quantity(1536), quantity(1000)]).toEqual(['256Mi', '1536', '1000']);
  });
});
