import type { Argv, CommandModule } from 'yargs';
import { example } from '../example.js';
import { printJson } from '../io.js';
import { action } from '../run-command.js';

interface PlanArgs {
  spec: string;
  root?: string;
  'qemu-static': boolean;
  explain: boolean;
}

/** `jailsmith plan SPEC`: the dry run. JSON is the plan itself, the single hand-off to build. */
export const planCommand: CommandModule<object, PlanArgs> = {
  command: 'plan <spec>',
  describe: 'Show what a jail built from SPEC would hold (a dry run; --json prints the plan)',
  builder: (y: Argv) =>
    y
      .positional('spec', { type: 'string', demandOption: true, describe: 'Jail spec (YAML)' })
      .option('root', { type: 'string', describe: 'Source root the files come from (overrides the spec)' })
      .option('qemu-static', {
        type: 'boolean',
        default: false,
        describe: "Copy the host's qemu-<arch>-static into a foreign-architecture jail (qemu_static: true)",
      })
      .option('explain', {
        type: 'boolean',
        default: false,
        describe: 'List every entry with why it is in the jail (closure, profile, discovery, trace, ...)',
      })
      .example(...example('$0 plan jails/python.yaml', 'Summary of the python jail'))
      .example(
        ...example('$0 plan jails/python.yaml --json', 'The full plan, as JSON'),
      ) as unknown as Argv<PlanArgs>,
  handler: action<PlanArgs>(async (args, io) => {
    // Loaded on use, as in every command: `jailsmith --help` and other commands skip their cost.
    const [{ formatPlanText }, { planSpec }] = await Promise.all([
      import('../../plan/format.js'),
      import('../../build/plan-spec.js'),
    ]);
    // The per-user caches a build keeps serve plan too: the plan itself when nothing it was made
    // from changed, else the facts of unchanged sources (not re-read).
    const plan = await planSpec(args.spec, {
      ...(args.root === undefined ? {} : { root: args.root }),
      qemuStatic: args['qemu-static'],
    });
    if (args.json) printJson(io, plan);
    else if (!args.quiet) io.out(formatPlanText(plan, args.verbose > 0, args.explain));
    return 0;
  }),
};
