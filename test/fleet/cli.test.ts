/**
 * The two commands end to end: `k8s` from a spec writes the Job, the NetworkPolicy and the
 * profile the Job names; bad input (an unknown downgrade, a policy a target cannot express
 * without one, a missing runc, a malformed limit) is one line, exit 2, and nothing written.
 */
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ociSeccompProfile } from '../../src/run/seccomp/index.js';
import { REPO, runCli } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { makePythonJail } from '../run/jails.js';

const SPEC = path.join(REPO, 'jails/python.yaml');

describe('k8s from a spec', () => {
  const base = tmpDir('jailsmith-k8s-cli-');

  it('writes the Job and NetworkPolicy (schema-valid) and the seccomp profile they name', async () => {
    const out = path.join(base, 'out');
    const r = await runCli([
      'k8s',
      SPEC,
      '--image',
      'registry.example/py:1',
      '--out',
      out,
      '--timeout',
      '60',
      '--downgrade',
      'tmpfs',
      '--json',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('jailsmith: downgrade tmpfs:');
    const res = JSON.parse(r.stdout);
    expect(res.downgrades.map((d: { key: string }) => d.key)).toEqual(['tmpfs']);
    const docs = parseAllDocuments(readFileSync(path.join(out, 'python.yaml'), 'utf8')).map((d) => d.toJS());
    const [job, np] = docs;
    new Job(job).validate();
    new NetworkPolicy(np).validate();
    const pod = job.spec.template.spec;
    expect(job.spec.activeDeadlineSeconds).toBe(60);
    expect(pod.securityContext.seccompProfile).toEqual({
      type: 'Localhost',
      localhostProfile: 'jailsmith/python.json',
    });
    expect(pod.containers[0].command).toEqual(['/usr/bin/python3']);
    expect(JSON.parse(readFileSync(path.join(out, 'seccomp/jailsmith/python.json'), 'utf8'))).toEqual(
      ociSeccompProfile(),
    );
  }, 120_000);
});

describeAsRoot('k8s from an OCI image packed by jailsmith', () => {
  const base = tmpDir('jailsmith-k8s-image-');

  it('installs the verified image and renders the policy the image carries', async () => {
    const jail = path.join(base, 'py');
    await makePythonJail(jail);
    const layout = path.join(base, 'img');
    const packed = await runCli(['pack', jail, '-o', layout, '--format', 'oci', '--tag', '1.0']);
    expect(packed.exitCode, packed.stderr).toBe(0);
    const out = path.join(base, 'out');
    const r = await runCli([
      'k8s',
      `${layout}:1.0`,
      '--image',
      'r/py:1.0',
      '--out',
      out,
      '--downgrade',
      'tmpfs',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const [job] = parseAllDocuments(readFileSync(path.join(out, 'img.yaml'), 'utf8')).map((d) => d.toJS());
    new Job(job).validate();
    // The image's recorded policy: python.yaml's user app (1000) and entrypoint.
    expect(job.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000 });
    expect(job.spec.template.spec.containers[0].command).toEqual(['/usr/bin/python3']);
  }, 120_000);
});

describeAsRoot('oci-bundle and k8s: bad input', () => {
  const base = tmpDir('jailsmith-fleet-cli-');
  const jail = path.join(base, 'py');
  const target = path.join(base, 'target');

  beforeAll(async () => {
    // Reachable by a container's uid, so that the checks under test are the ones that refuse.
    chmodSync(base, 0o755);
    await makePythonJail(jail);
  }, 120_000);

  it.each([
    [
      'an unknown downgrade',
      ['oci-bundle', jail, target, '--downgrade', 'seccomp'],
      /--downgrade seccomp: oci knows only cpu, timeout/,
    ],
    [
      'an unknown k8s downgrade',
      ['k8s', jail, '--image', 'x', '--out', target, '--downgrade', 'net'],
      /k8s knows only/,
    ],
    [
      'a timeout the OCI spec cannot express',
      ['oci-bundle', jail, target, '--spec', SPEC, '--timeout', '60'],
      /an OCI bundle cannot express timeout/,
    ],
    [
      'CPU seconds the OCI spec cannot express',
      ['oci-bundle', jail, target, '--limit', 'cpu=5', '--', '/bin/sh'],
      /cannot express limits\.cpu/,
    ],
    [
      'a pids limit Kubernetes cannot express',
      ['k8s', jail, '--spec', SPEC, '--image', 'x', '--out', target, '--limit', 'nproc=10'],
      /Kubernetes cannot express limits\.nproc/,
    ],
    [
      'noexec tmpfs Kubernetes cannot express',
      ['k8s', jail, '--spec', SPEC, '--image', 'x', '--out', target],
      /Kubernetes cannot express tmpfs \/home\/app, tmpfs \/tmp/,
    ],
    [
      'a missing runc',
      ['oci-bundle', jail, target, '--spec', SPEC, '--runtime', 'no-such-runc'],
      /no-such-runc is not installed/,
    ],
    [
      'a malformed limit',
      ['oci-bundle', jail, target, '--limit', 'mem=lots'],
      /--limit mem: expected a number/,
    ],
    [
      'a claim where nothing is bound',
      [
        'k8s',
        jail,
        '--spec',
        SPEC,
        '--image',
        'x',
        '--out',
        target,
        '--downgrade',
        'tmpfs',
        '--claim',
        '/in=work',
      ],
      /--claim \/in: the policy binds nothing there/,
    ],
  ] as const)('%s: exit 2, one line, nothing written', async (_what, args, message) => {
    const r = await runCli([...args]);
    const lines = r.stderr.trim().split('\n');
    expect(r.exitCode, r.stderr).toBe(2);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).toMatch(/^jailsmith: /);
    expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
    expect(existsSync(target)).toBe(false);
  });
});
