import type { Argv, CommandModule } from 'yargs';
import type { JailPlan } from '../../plan/types.js';
import type { ScriptMode } from '../../script/view.js';
import { example } from '../example.js';
import { printJson } from '../io.js';
import { action } from '../run-command.js';

interface ScriptArgs {
  spec: string;
  output?: string;
  mode: ScriptMode;
  root?: string;
  verify: boolean;
}

/** A spec, or a plan saved by `jailsmith plan --json` (as build accepts): the script of that plan. */
async function planOf(file: string, root: string | undefined): Promise<JailPlan> {
  // Loaded here, not at start-up: the spec loader is the heaviest module of a plain `--help`.
  const { createPlan, loadPlanOrSpec } = await import('../../plan/index.js');
  const opts = root === undefined ? {} : { root };
  const src = await loadPlanOrSpec(file, opts);
  return src.kind === 'plan' ? src.plan : createPlan(src.spec, opts);
}

/**
 * `jailsmith script SPEC [-o FILE] [--mode host|bundle] [--root SRC]`: a POSIX sh setup script
 * that recreates the jail. Host mode prints the script unless -o names a file; bundle mode needs -o
 * (the bundle reads its own file to find its payload, so a pipe would not work anyway).
 */
export const scriptCommand: CommandModule<object, ScriptArgs> = {
  command: 'script <spec>',
  describe: 'Write a POSIX shell script that recreates the jail (host copies or a self-contained bundle)',
  builder: (y: Argv<object>) =>
    y
      .positional('spec', {
        type: 'string',
        demandOption: true,
        describe: 'Jail spec (YAML) or a plan saved with plan --json',
      })
      .option('output', { alias: 'o', type: 'string', describe: 'Write the script to FILE' })
      .option('mode', {
        choices: ['host', 'bundle'] as const,
        default: 'host' as const,
        describe: 'host: copy files on the machine it runs on; bundle: carry them in the script',
      })
      .option('root', {
        type: 'string',
        describe: "Source root files come from (overrides the spec's source)",
      })
      .option('verify', {
        type: 'boolean',
        default: true,
        describe: 'Script checks sha256 of what it copies by default (--no-verify: it does not)',
      })
      .example(
        ...example('$0 script jails/python.yaml -o setup.sh', 'then on the client: sh setup.sh /srv/jail'),
      )
      .example(
        ...example('$0 script jails/shell.yaml --mode bundle -o shell.bundle.sh', 'one file to send'),
      ) as Argv<ScriptArgs>,
  handler: action<ScriptArgs>(async (args, io) => {
    const plan = await planOf(args.spec, args.root);
    const { emitScript } = await import('../../script/emit.js');
    const r = await emitScript(plan, { mode: args.mode, output: args.output, verify: args.verify });
    if (args.json) {
      printJson(io, {
        output: r.output,
        mode: r.mode,
        planDigest: r.planDigest,
        bytes: r.bytes,
        script: r.script,
      });
      return 0;
    }
    if (r.script !== undefined) io.out(r.script);
    else if (!args.quiet)
      io.err(`wrote ${r.output} (${r.mode} mode, ${r.bytes} bytes, plan sha256 ${r.planDigest})`);
    return 0;
  }),
};
