import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { type ErrorCode, SpecError } from '../errors.js';

export type KeyPath = (string | number)[];

export interface Position {
  line: number;
  column: number;
}

/**
 * One spec file parsed with positions kept, so that any later complaint about a value can name the
 * file, line and column it came from.
 */
export class SourceDoc {
  readonly file: string;
  readonly data: unknown;
  private readonly doc: ReturnType<typeof parseDocument>;
  private readonly lines: LineCounter;
  private readonly text: string;

  private constructor(file: string, text: string) {
    this.file = file;
    this.text = text;
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    const err = this.doc.errors[0];
    if (err) {
      const pos = this.lines.linePos(err.pos[0]);
      const what = err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'bad YAML';
      throw specError('SPEC_YAML', `malformed YAML: ${what}`, this.file, { line: pos.line, column: pos.col });
    }
    this.data = this.doc.toJS({ maxAliasCount: 100 }) ?? {};
  }

  static parse(file: string, text: string): SourceDoc {
    return new SourceDoc(file, text);
  }

  /** The YAML node at a path (the value, or with `key` the map key naming it). */
  node(at: KeyPath, key = false): Node | undefined {
    if (key && at.length > 0) {
      const parent = this.doc.getIn(at.slice(0, -1), true);
      if (isMap(parent)) {
        const last = at[at.length - 1];
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
        if (pair && isScalar(pair.key)) return pair.key;
      }
    }
    const n = at.length === 0 ? this.doc.contents : this.doc.getIn(at, true);
    return isScalar(n) || isMap(n) || isSeq(n) ? n : undefined;
  }

  /** Line and column of the value at a path, falling back to the nearest ancestor that exists. */
  position(at: KeyPath, key = false): Position {
    for (let n = at.length; n >= 0; n--) {
      const node = this.node(at.slice(0, n), key && n === at.length);
      if (node?.range) {
        const p = this.lines.linePos(node.range[0]);
        return { line: p.line, column: p.col };
      }
    }
    return { line: 1, column: 1 };
  }

  /** The source text of a scalar, e.g. to tell `0o755` from `755`. */
  sourceText(at: KeyPath): string | undefined {
    const n = this.node(at);
    return isScalar(n) && n.range ? this.text.slice(n.range[0], n.range[1]) : undefined;
  }

  /** A SpecError pointing at a value of this file. */
  error(
    code: ErrorCode,
    message: string,
    at: KeyPath,
    opts: { key?: boolean; hint?: string | undefined; expected?: string | undefined; label?: KeyPath } = {},
  ) {
    const pos = this.position(at, opts.key);
    const label = opts.label ?? at;
    return specError(code, label.length > 0 ? `${keyName(label)}: ${message}` : message, this.file, pos, {
      key: keyName(at),
      expected: opts.expected,
      hint: opts.hint,
    });
  }
}

/** `users[0].uid` style name of a key path, '(top level)' for the root. */
export function keyName(at: KeyPath): string {
  if (at.length === 0) return '(top level)';
  return at.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

export function specError(
  code: ErrorCode,
  message: string,
  file: string,
  pos: Position,
  extra: { key?: string; expected?: string | undefined; hint?: string | undefined } = {},
): SpecError {
  return new SpecError(code, message, {
    path: `${file}:${pos.line}:${pos.column}`,
    hint: extra.hint,
    details: {
      file,
      line: pos.line,
      column: pos.column,
      key: extra.key ?? null,
      expected: extra.expected ?? null,
    },
  });
}
