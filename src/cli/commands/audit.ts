import type { Argv, CommandModule } from 'yargs';
import {
  type AuditReport,
  isSeverity,
  type RuleInfo,
  type Severity,
  severityRank,
} from '../../audit/types.js';
import { UsageError } from '../../errors.js';
import { example } from '../example.js';
import { type Io, paint, printJson } from '../io.js';
import { progressReporter } from '../progress.js';
import { action } from '../run-command.js';

interface AuditArgs {
  dir?: string;
  sarif: boolean;
  failOn: string;
  allow: string[];
  spec?: string;
  pid?: number;
}

const COLOUR = { critical: 'magenta', high: 'red', medium: 'yellow', low: 'cyan', info: 'dim' } as const;

async function output(
  report: AuditReport,
  rules: readonly RuleInfo[],
  args: AuditArgs & { json: boolean; quiet: boolean },
  io: Io,
): Promise<void> {
  const [{ toJson }, { toSarif }, { renderText }] = await Promise.all([
    import('../../audit/reporters/json.js'),
    import('../../audit/reporters/sarif.js'),
    import('../../audit/reporters/text.js'),
  ]);
  if (args.sarif) printJson(io, toSarif(report, rules));
  else if (args.json) printJson(io, toJson(report));
  else if (args.quiet)
    return; // the exit code is the answer
  else io.out(renderText(report, { checks: rules, paint: (s, t) => paint(io, COLOUR[s], t) }));
}

export const auditCommand: CommandModule<object, AuditArgs> = {
  command: 'audit [dir]',
  describe: 'Inspect a jail directory (or a running jailed process) for breakout risks',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', describe: 'The jail directory' })
      .option('sarif', { type: 'boolean', default: false, describe: 'SARIF 2.1.0 output' })
      .option('fail-on', {
        type: 'string',
        default: 'high',
        describe:
          'Exit 1 when a finding at or above this severity exists (critical|high|medium|low|info|none)',
      })
      .option('allow', {
        type: 'string',
        array: true,
        default: [],
        describe: 'Silence findings: ID or ID:GLOB over in-jail paths (repeatable)',
      })
      .option('spec', { type: 'string', describe: 'A jail spec whose audit.allow list silences findings' })
      .option('pid', { type: 'number', describe: 'Probe a running jailed process through /proc/PID instead' })
      .conflicts('pid', 'dir')
      .example(...example('$0 audit /srv/jail --fail-on medium', 'CI gate'))
      .example(...example('$0 audit --pid 4242', 'runtime probe')) as unknown as Argv<AuditArgs>,
  handler: action<AuditArgs>(async (args, io) => {
    const failOn = args.failOn;
    if (failOn !== 'none' && !isSeverity(failOn)) {
      throw new UsageError(
        'USAGE',
        `--fail-on must be one of critical, high, medium, low, info, none (got '${failOn}')`,
      );
    }
    let report: AuditReport;
    let rules: readonly RuleInfo[];
    if (args.pid !== undefined) {
      const { PROBE_RULES, probeProcess } = await import('../../audit/probe.js');
      report = probeProcess(args.pid);
      rules = PROBE_RULES;
    } else {
      if (!args.dir)
        throw new UsageError('USAGE', 'name a jail directory or --pid PID', { hint: 'jailsmith audit DIR' });
      const { auditJail } = await import('../../audit/audit.js');
      // The spec loader (YAML, the schema validator) loads only for --spec.
      const fromSpec = args.spec
        ? (await (await import('../../spec/load.js')).loadSpec(args.spec)).audit.allow
        : [];
      const allow = [...fromSpec, ...args.allow];
      // The walker reports entries walked and the directory being read (no bytes: it reads no contents).
      const progress = progressReporter(io, args, 'auditing');
      const shown = progress.onProgress;
      try {
        // Started before the rules load: the audit's walk runs while they do.
        const pending = auditJail(args.dir, {
          allow,
          ...(shown ? { onProgress: (entries, dir) => shown({ entries, bytes: 0, current: dir }) } : {}),
        });
        pending.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
        rules = (await import('../../audit/registry.js')).CHECKS;
        report = await pending;
      } finally {
        progress.done();
      }
    }
    await output(report, rules, args, io);
    if (failOn === 'none') return 0;
    const bar = severityRank(failOn as Severity);
    return report.findings.some((f) => severityRank(f.severity) >= bar) ? 1 : 0;
  }),
};
