import type { Argv, CommandModule } from 'yargs';
import { example } from '../example.js';
import { type FleetArgs, fleetCommand, fleetOptions, fleetOverrides, specPolicy } from '../fleet-args.js';
import { printJson } from '../io.js';
import { action } from '../run-command.js';

interface OciBundleArgs extends FleetArgs {
  src: string;
  dir: string;
  bind: string[];
  hostUid?: number;
  uidRange?: string;
  inPlace: boolean;
  runtime: string;
  runtimeCheck: boolean;
}

function builder(y: Argv): Argv<OciBundleArgs> {
  return fleetOptions(
    y
      .positional('src', { type: 'string', demandOption: true, describe: 'Jail directory, spec or package' })
      .positional('dir', {
        type: 'string',
        demandOption: true,
        describe: 'The bundle directory (new, or empty)',
      })
      .positional('command', {
        type: 'string',
        array: true,
        describe: 'Arguments after the entrypoint, after --',
      })
      .option('bind', {
        type: 'string',
        array: true,
        default: [],
        describe: 'SRC:DST[:ro|rw], read-only by default',
      })
      .option('host-uid', {
        type: 'number',
        describe:
          'Host uid of the container’s root; the job gets the next (default: a free one of the job uid range)',
      })
      .option('uid-range', { type: 'string', describe: 'FIRST-LAST host uids for jobs, as for run' })
      .option('in-place', {
        type: 'boolean',
        default: false,
        describe: 'root.path is the jail directory itself (read-only), not a copy in DIR/rootfs',
      })
      .option('runtime', {
        type: 'string',
        default: 'runc',
        describe: 'The OCI runtime the bundle is checked against',
      })
      .option('runtime-check', {
        type: 'boolean',
        default: true,
        describe: 'Ask the runtime (`runc features`) whether it can express the config',
      }),
    'oci',
  )
    .example(
      ...example(
        '$0 oci-bundle ./py ./bundle --bind ./out:/out:rw --limit mem=256M,nproc=64 -- /in/job.py',
        'a bundle whose config.json carries the policy; then: runc run --bundle ./bundle job1',
      ),
    )
    .epilog(
      'What the OCI spec cannot express (a CPU-seconds limit for the whole job, a wall-clock timeout) is an ' +
        'error unless --downgrade accepts it; accepted gaps are recorded in the config’s org.jailsmith.downgrades annotation.',
    ) as unknown as Argv<OciBundleArgs>;
}

export const ociBundleCommand: CommandModule<object, OciBundleArgs> = {
  command: 'oci-bundle <src> <dir> [command..]',
  describe:
    'Make an OCI runtime bundle (rootfs + config.json) that carries the run policy, for runc or podman',
  builder,
  handler: action<OciBundleArgs>(async (a, io) => {
    const overrides = fleetOverrides(a, a.bind);
    const policy = await specPolicy(a.spec);
    const [{ makeOciBundle }, { parseUidRange }] = await Promise.all([
      import('../../fleet/bundle.js'),
      import('../../run/uid-pool.js'),
    ]);
    const command = fleetCommand(a);
    const r = await makeOciBundle({
      source: a.src,
      dir: a.dir,
      overrides,
      ...(policy ? { policy } : {}),
      ...(command ? { command } : {}),
      downgrade: a.downgrade,
      ...(a.hostUid !== undefined ? { hostId: a.hostUid } : {}),
      ...(a.uidRange !== undefined ? { uidRange: parseUidRange(a.uidRange, '--uid-range') } : {}),
      inPlace: a.inPlace,
      runtime: a.runtimeCheck ? a.runtime : null,
    });
    for (const d of r.downgrades) io.err(`jailsmith: downgrade ${d.key}: ${d.instead}`);
    if (a.json) printJson(io, r);
    else if (!a.quiet) io.out(`${r.dir}: job runs as host uid ${r.hostUid}; runc run --bundle ${r.dir} NAME`);
    return 0;
  }),
};
