/** The only place that writes to the terminal. Commands get an Io so tests can capture it. */
export interface GlobalOptions {
  json: boolean;
  quiet: boolean;
  verbose: number;
  debug: boolean;
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal: progress and colour are allowed there. */
  readonly tty: boolean;
  /** Colour codes in text output: only when stdout (where the coloured text goes) is a terminal. */
  readonly color: boolean;
  /** Raw stderr for a status line redrawn in place (no newline added); terminal width in columns. */
  status?(text: string): void;
  readonly columns?: number;
}

export function processIo(): Io {
  // Getters, read on use: process.stdout and process.stderr are built on first access (stream
  // and tty modules, a few ms), which a command that prints nothing (a job writing to the fds it
  // inherits) need not pay.
  return {
    out: (t) => stdout().write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    get tty() {
      return Boolean(process.stderr.isTTY);
    },
    status: (t) => process.stderr.write(t),
    get columns() {
      return process.stderr.columns || 80;
    },
    // stdout, not stderr: `jailsmith audit DIR | less` must not carry escape codes into the pipe.
    get color() {
      return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
    },
  };
}

let watched = false;

/**
 * process.stdout, watched for a reader that went away (`jailsmith audit DIR --json | head`):
 * that is no error of ours, so the process ends quietly with the status it has, where Node
 * would die on the unhandled 'error' with a stack trace. A C program dies of SIGPIPE there.
 */
function stdout(): NodeJS.WriteStream {
  if (!watched) {
    watched = true;
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit(process.exitCode ?? 0);
    });
  }
  return process.stdout;
}

/** JSON for machines: stable key order is the caller's job; two-space indent for humans reading it. */
export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

const codes = { red: 31, yellow: 33, green: 32, dim: 2, bold: 1, magenta: 35, cyan: 36 } as const;
export type Colour = keyof typeof codes;

export function paint(io: Io, colour: Colour, text: string): string {
  return io.color ? `\u001b[${codes[colour]}m${text}\u001b[0m` : text;
}
