import type { CommandModule } from 'yargs';
import type { BuildResult } from '../../build/types.js';
import { example } from '../example.js';
import { type Io, paint, printJson } from '../io.js';
import { progressReporter } from '../progress.js';
import { action } from '../run-command.js';

interface BuildArgs {
  spec: string;
  dir: string;
  root?: string;
  'qemu-static': boolean;
  'unsafe-ancestors': boolean;
  force: boolean;
}

export const buildCommand: CommandModule<object, BuildArgs> = {
  command: 'build <spec> <dir>',
  describe: 'Build a jail from a spec (or a saved plan) into DIR, swapping it in whole',
  builder: (y) =>
    y
      .positional('spec', { type: 'string', demandOption: true, describe: 'Jail spec (YAML) or plan (JSON)' })
      .positional('dir', {
        type: 'string',
        demandOption: true,
        describe: 'Jail directory to create or update',
      })
      .option('root', { type: 'string', describe: 'Source root the files come from (overrides the spec)' })
      .option('qemu-static', {
        type: 'boolean',
        default: false,
        describe: "Copy the host's qemu-<arch>-static into a foreign-architecture jail (qemu_static: true)",
      })
      .option('unsafe-ancestors', {
        type: 'boolean',
        default: false,
        describe: 'Build even if a parent of DIR is writable by others',
      })
      .option('force', { type: 'boolean', default: false, describe: 'Rebuild even when nothing changed' })
      .example(...example('$0 build jails/python.yaml /srv/jails/py', 'build (or update) the python jail'))
      .example(
        ...example(
          '$0 plan jails/python.yaml --json > py.json && $0 build py.json /srv/jails/py',
          'build exactly a reviewed plan',
        ),
      ),
  handler: action<BuildArgs>(async (args, io) => {
    // Loaded on use: the spec, plan and build modules cost start-up time every other command pays too.
    const { buildJail } = await import('../../build/build-jail.js');
    const progress = progressReporter(io, args, 'building');
    let r: BuildResult;
    try {
      r = await buildJail(args.spec, args.dir, {
        root: args.root,
        qemuStatic: args['qemu-static'],
        unsafeAncestors: args['unsafe-ancestors'],
        force: args.force,
        onProgress: progress.onProgress,
      });
    } finally {
      progress.done();
    }
    if (args.json) {
      printJson(io, r);
      return 0;
    }
    if (!args.quiet) printSummary(io, r, args.verbose > 0);
    return 0;
  }),
};

function printSummary(io: Io, r: BuildResult, verbose: boolean): void {
  const counts = `${r.added.length} added, ${r.changed.length} changed, ${r.removed.length} removed, ${r.unchanged.length} unchanged`;
  io.out(
    r.written ? `${paint(io, 'green', 'built')} ${r.dir}: ${counts}` : `up to date: ${r.dir} (${counts})`,
  );
  if (verbose) {
    // -v lists what moved, one path a line, like a diff: + added, ~ changed, - removed.
    for (const p of r.added) io.out(`+ ${p}`);
    for (const p of r.changed) io.out(`~ ${p}`);
    for (const p of r.removed) io.out(`- ${p}`);
  }
  for (const n of r.notes) io.err(`note: ${n}`);
}
