import { lstatSync, readdirSync } from 'node:fs';
import { SpecError } from '../errors.js';
import type { SpecTrace } from '../spec/index.js';
import { type TraceResult, traceCommand } from '../trace/index.js';
import type { Collector } from './collector.js';

export interface TraceCollectorOptions {
  /** Host traces already made, by command (the makejail loop re-plans without re-tracing). */
  cache?: Map<string, TraceResult>;
  /** Paths later rounds found missing inside the built jail (in-root paths that exist). */
  extra?: string[];
}

export const traceKey = (t: SpecTrace): string => JSON.stringify([t.shell, t.command]);

/** What a trace command is called in messages. */
export const traceLabel = (t: SpecTrace): string =>
  t.shell
    ? (t.command.join(' ') ?? '')
    : t.command.map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ');

/**
 * `trace:` — runs each command under strace on the host and adds what it opened, executed, looked
 * at or listed. Only for the host as source: a foreign root's programs would run against the
 * host's own files.
 */
export function traceCollector(opts: TraceCollectorOptions = {}): Collector {
  return {
    name: 'trace',
    async collect(ctx, copier) {
      const { spec } = ctx;
      if (spec.trace.length === 0 && !opts.extra?.length) return;
      if (spec.trace.length > 0 && !ctx.root.isHost) {
        throw new SpecError(
          'SPEC_TRACE_FOREIGN_ROOT',
          `trace runs commands on the host, but the source root is ${ctx.root.dir}: list those files under files, trees or packages instead`,
          { path: spec.origin[0] ?? spec.name },
        );
      }
      for (const t of spec.trace) {
        const key = traceKey(t);
        let r = opts.cache?.get(key);
        if (!r) {
          r = await traceCommand(t.command, {
            shell: t.shell,
            ...(spec.run.env ? { env: spec.run.env } : {}),
          });
          opts.cache?.set(key, r);
        }
        if (r.exitCode !== 0) {
          throw new SpecError(
            'SPEC_TRACE_FAILED',
            `trace command failed on the host (exit ${r.exitCode}): ${traceLabel(t)}${r.stderr ? `: ${r.stderr}` : ''}`,
            {
              path: ctx.where('trace', t.command.join(' ')),
              details: { command: t.command, exitCode: r.exitCode },
            },
          );
        }
        add(ctx, copier, r.dirs, r.files, `trace: ${traceLabel(t)}`);
        if (r.ended.length > 0) {
          ctx.notes.add(
            `trace: ${traceLabel(t)} left ${r.ended.join(', ')} running; ended with it (a daemon the jail may need to start itself)`,
          );
        }
        if (r.sensitive.length > 0) {
          ctx.notes.add(
            `trace: ${traceLabel(t)} read ${r.sensitive.join(', ')}; left out (list them under files if the jail must have them)`,
          );
        }
      }
      if (opts.extra?.length) addMissing(ctx, copier, opts.extra);
    },
  };
}

function add(
  ctx: Parameters<Collector['collect']>[0],
  copier: Parameters<Collector['collect']>[1],
  dirs: string[],
  files: string[],
  origin: string,
): void {
  for (const d of dirs) if (!ctx.excluded(d)) copier.copy(d, { resolve: 'none', origin });
  for (const f of files) {
    if (ctx.excluded(f) || !ctx.root.realpath(f)) continue;
    if (f === NSSWITCH) {
      ctx.notes.add(
        "trace: the commands read /etc/nsswitch.conf; the host's is not copied (its sources are the host's): profiles: [nss-files] writes one",
      );
      continue;
    }
    copier.copy(f, { resolve: 'lenient', origin });
  }
}

/**
 * Paths a confirming round found missing in the jail, except directories that hold nothing in
 * the source root (/usr/local/lib/python3/dist-packages: looked at, never needed).
 */
function addMissing(
  ctx: Parameters<Collector['collect']>[0],
  copier: Parameters<Collector['collect']>[1],
  extra: string[],
): void {
  const keep: string[] = [];
  for (const p of extra) {
    if (p === '/etc/nsswitch.conf') {
      ctx.notes.add(
        "trace: the commands looked for /etc/nsswitch.conf in the jail; the host's is not copied (profiles: [nss-files] writes one)",
      );
      continue;
    }
    const real = ctx.root.realpath(p);
    if (real && isEmptyDir(ctx.root.host(real.path))) continue;
    keep.push(p);
  }
  add(ctx, copier, [], keep, 'trace: found missing in the jail');
}

const NSSWITCH = '/etc/nsswitch.conf';

/** A directory holding nothing but (at most 64) empty directories. */
function isEmptyDir(host: string, budget = { n: 64 }): boolean {
  try {
    if (!lstatSync(host).isDirectory()) return false;
    for (const name of readdirSync(host)) {
      if (--budget.n < 0 || !isEmptyDir(`${host}/${name}`, budget)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

export const collectTrace: Collector = traceCollector();
