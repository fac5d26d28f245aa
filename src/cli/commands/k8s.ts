import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { example } from '../example.js';
import { type FleetArgs, fleetCommand, fleetOptions, fleetOverrides, specPolicy } from '../fleet-args.js';
import { printJson } from '../io.js';
import { action } from '../run-command.js';

interface K8sArgs extends FleetArgs {
  src: string;
  image: string;
  out?: string;
  name?: string;
  namespace?: string;
  claim: string[];
}

/** "TARGET=CLAIM" pairs. */
function parseClaims(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) {
    const eq = s.indexOf('=');
    if (eq < 1 || !s.startsWith('/') || eq === s.length - 1) {
      throw new UsageError('K8S_BAD_CLAIM', `--claim: expected /JAIL/PATH=CLAIM, got "${s}"`);
    }
    out[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return out;
}

function builder(y: Argv): Argv<K8sArgs> {
  return fleetOptions(
    y
      .positional('src', { type: 'string', demandOption: true, describe: 'Jail directory, spec or package' })
      .positional('command', {
        type: 'string',
        array: true,
        describe: 'Arguments after the entrypoint, after --',
      })
      .option('image', {
        type: 'string',
        demandOption: true,
        describe: 'The image the Job runs (the jail, shipped)',
      })
      .option('out', { type: 'string', describe: 'Output directory (default NAME-k8s)' })
      .option('name', { type: 'string', describe: 'The Job’s name (default the jail’s)' })
      .option('namespace', { type: 'string', describe: 'metadata.namespace of the objects' })
      .option('claim', {
        type: 'string',
        array: true,
        default: [],
        describe: '/JAIL/PATH=CLAIM: the PersistentVolumeClaim mounted where the policy binds',
      }),
    'k8s',
  )
    .example(
      ...example(
        '$0 k8s jails/python.yaml --image registry.example/py@sha256:... --limit mem=256M --timeout 600 --downgrade tmpfs',
        'python-k8s/python.yaml (Job + NetworkPolicy) and python-k8s/seccomp/jailsmith/python.json',
      ),
    )
    .epilog(
      'Install the profile on every node under the kubelet’s seccomp directory (/var/lib/kubelet/seccomp/jailsmith/NAME.json). ' +
        'What Kubernetes cannot express is an error unless --downgrade accepts it; accepted gaps are recorded in the Job’s jailsmith.io/downgrades annotation.',
    ) as unknown as Argv<K8sArgs>;
}

export const k8sCommand: CommandModule<object, K8sArgs> = {
  command: 'k8s <src> [command..]',
  describe: 'Write a Kubernetes Job and NetworkPolicy (and its seccomp profile) that carry the run policy',
  builder,
  handler: action<K8sArgs>(async (a, io) => {
    const overrides = fleetOverrides(a);
    const claims = parseClaims(a.claim);
    const policy = await specPolicy(a.spec);
    const { makeK8sFiles } = await import('../../fleet/k8s-files.js');
    const command = fleetCommand(a);
    const r = await makeK8sFiles({
      source: a.src,
      image: a.image,
      overrides,
      claims,
      downgrade: a.downgrade,
      ...(policy ? { policy } : {}),
      ...(command ? { command } : {}),
      ...(a.out !== undefined ? { out: a.out } : {}),
      ...(a.name !== undefined ? { name: a.name } : {}),
      ...(a.namespace !== undefined ? { namespace: a.namespace } : {}),
    });
    for (const d of r.downgrades) io.err(`jailsmith: downgrade ${d.key}: ${d.instead}`);
    if (a.json) printJson(io, r);
    else if (!a.quiet) {
      io.out(r.yaml);
      if (r.seccompProfile) io.out(r.seccompProfile);
    }
    return 0;
  }),
};
