import type { Argv, CommandModule } from 'yargs';
import { example } from '../example.js';
import { printJson } from '../io.js';
import { action } from '../run-command.js';

interface ImportArgs {
  format: string;
  ini: string;
  sections: string[];
  root?: string;
}

/**
 * `jailsmith import jailkit INI SECTION...`: prints a jailsmith spec (YAML) for jailkit sections;
 * what jailsmith cannot express goes to stderr, one line each.
 */
export const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import <format> <ini> <sections..>',
  describe: 'Convert jailkit ini sections into a jailsmith spec (YAML on stdout)',
  builder: (y: Argv<object>) =>
    y
      .positional('format', {
        type: 'string',
        choices: ['jailkit'],
        demandOption: true,
        describe: 'Input format',
      })
      .positional('ini', {
        type: 'string',
        demandOption: true,
        describe: 'jailkit ini file, e.g. /etc/jailkit/jk_init.ini',
      })
      .positional('sections', { type: 'string', array: true, demandOption: true, describe: 'Section names' })
      .option('root', {
        type: 'string',
        describe: 'Source root the paths and accounts are looked up in (default /)',
      })
      .example(
        ...example(
          '$0 import jailkit /etc/jailkit/jk_init.ini basicshell > shell.yaml',
          'a spec from one section',
        ),
      )
      .example(
        ...example(
          '$0 import jailkit /etc/jailkit/jk_init.ini sftp --json',
          'the spec and the notes as JSON',
        ),
      ) as Argv<ImportArgs>,
  handler: action<ImportArgs>(async (args, io) => {
    const { importJailkit } = await import('../../import/jailkit.js');
    const r = importJailkit(args.ini, args.sections.map(String), args.root ? { root: args.root } : {});
    if (args.json) {
      printJson(io, { spec: r.spec, sections: r.sections, notes: r.notes });
      return 0;
    }
    io.out(r.yaml);
    if (!args.quiet) for (const n of r.notes) io.err(`jailsmith: ${n}`);
    return 0;
  }),
};
