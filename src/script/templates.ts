import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { octalMode } from '../sys/index.js';
import { PACKAGE_ROOT } from '../version.js';
import { shComment, shPathArg, shQuote } from './quote.js';

export const TEMPLATE_DIR: string = path.join(PACKAGE_ROOT, 'templates/script');
export const MAIN_TEMPLATE = 'setup.sh.hbs';

/** Every helper returns a SafeString: its output is already shell text, never HTML-escaped. */
function safe(s: string): Handlebars.SafeString {
  return new Handlebars.SafeString(s);
}

function uint(n: unknown): number {
  // Internal invariant, plain Error on purpose: reaching it is a bug (exit 70), not user input.
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`not a count: ${String(n)}`);
  return n;
}

/**
 * The helpers the templates may use. Only `q` and `qpath` turn plan text into shell words; numbers go
 * through `num`/`mode` (checked integers), comments through `comment`. A test keeps templates to these.
 */
export const HELPERS: Record<string, Handlebars.HelperDelegate> = {
  q: (s: unknown) => safe(shQuote(String(s))),
  qpath: (s: unknown) => safe(shPathArg(String(s))),
  num: (n: unknown) => safe(String(uint(n))),
  /** Five octal digits: GNU chmod clears a directory's setgid bit only when the mode says so. */
  mode: (n: unknown) => safe(`0${octalMode(uint(n))}`),
  comment: (s: unknown) => safe(shComment(String(s))),
  /** A fixed-width field: trailing blanks after an assignment are ignored by sh. */
  raw: (s: unknown) => {
    const v = String(s);
    if (!/^[0-9a-f ]*$/.test(v)) throw new Error(`not a number or digest: ${v}`);
    return safe(v);
  },
};

let compiled: Handlebars.TemplateDelegate | undefined;

/** Compiles the main template once, on an isolated Handlebars instance holding our helpers and partials. */
export function scriptTemplate(): Handlebars.TemplateDelegate {
  if (compiled) return compiled;
  const hb = Handlebars.create();
  for (const [name, fn] of Object.entries(HELPERS)) hb.registerHelper(name, fn);
  for (const f of readdirSync(TEMPLATE_DIR).sort()) {
    if (f.startsWith('_') && f.endsWith('.hbs'))
      hb.registerPartial(f.slice(1, -4), readFileSync(path.join(TEMPLATE_DIR, f), 'utf8'));
  }
  compiled = hb.compile(readFileSync(path.join(TEMPLATE_DIR, MAIN_TEMPLATE), 'utf8'), {
    strict: true,
    preventIndent: true,
  });
  return compiled;
}
