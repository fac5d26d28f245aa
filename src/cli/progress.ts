import type { OnProgress, Progress } from '../progress.js';
import type { GlobalOptions, Io } from './io.js';

/** Redraws at most this often: a terminal cannot show more, and each redraw costs a write. */
const INTERVAL_MS = 100;

export interface ProgressReporter {
  /** The callback to hand to the library; undefined when progress is off, so nothing is counted. */
  readonly onProgress: OnProgress | undefined;
  /** Clears the status line; call it in a finally, before printing results or errors. */
  done(): void;
}

const OFF: ProgressReporter = { onProgress: undefined, done: () => undefined };

/** 1536 -> "1.5 KiB": short enough for a status line. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** The status line for one update, cut to the terminal width (the current item loses its start). */
export function progressLine(label: string, p: Progress, columns: number): string {
  const count = p.totalEntries !== undefined ? `${p.entries}/${p.totalEntries}` : String(p.entries);
  const head = `${label} ${count} entries${p.bytes > 0 ? `, ${formatBytes(p.bytes)}` : ''}  `;
  const room = Math.max(10, columns - head.length - 1);
  const item = p.current.length > room ? `…${p.current.slice(-(room - 1))}` : p.current;
  return `${head}${item}`;
}

/**
 * A one-line progress display on stderr, only when stderr is a terminal and -q is not given:
 * pipes, logs and CI see nothing. `now` is injectable so tests need no clock.
 */
export function progressReporter(
  io: Io,
  opts: Partial<Pick<GlobalOptions, 'quiet'>>,
  label: string,
  now: () => number = Date.now,
): ProgressReporter {
  const status = io.status;
  if (!io.tty || opts.quiet || !status) return OFF;
  let last = Number.NEGATIVE_INFINITY;
  let shown = false;
  return {
    onProgress: (p) => {
      const t = now();
      if (t - last < INTERVAL_MS) return;
      last = t;
      shown = true;
      status(`\r\u001b[K${progressLine(label, p, io.columns ?? 80)}`);
    },
    done: () => {
      if (shown) status('\r\u001b[K');
      shown = false;
    },
  };
}
