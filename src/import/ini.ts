import { SpecError } from '../errors.js';

/** One `key = value` of an ini section, with the line it started on. */
export interface IniValue {
  value: string;
  line: number;
}

export interface IniSection {
  name: string;
  line: number;
  values: Map<string, IniValue>;
}

export interface IniFile {
  file: string;
  sections: Map<string, IniSection>;
}

function syntax(file: string, line: number, what: string): SpecError {
  return new SpecError('INI_SYNTAX', `${what} at line ${line}`, {
    path: `${file}:${line}`,
    details: { line },
  });
}

/**
 * Parses an ini file the way Python's configparser reads jailkit's files: `[section]` headers,
 * `key = value` or `key: value`, full-line `#`/`;` comments, indented continuation lines, case-
 * insensitive keys, `[DEFAULT]` keys inherited by every section, `%%` for a literal `%`.
 * Anything else (text outside a section, a header without `]`, a line without `=` or `:`, a
 * duplicate section or key) is a syntax error naming the line.
 */
export function parseIni(text: string, file: string): IniFile {
  const sections = new Map<string, IniSection>();
  let defaults: Map<string, IniValue> | null = null;
  let cur: Map<string, IniValue> | null = null;
  let lastKey: string | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i] as string;
    const trimmed = raw.trim();
    if (trimmed === '') {
      lastKey = null;
      continue;
    }
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    if (/^\s/.test(raw) && lastKey !== null && cur) {
      const v = cur.get(lastKey) as IniValue;
      v.value = v.value === '' ? trimmed : `${v.value}\n${trimmed}`;
      continue;
    }
    if (trimmed.startsWith('[')) {
      const m = /^\[([^\]]+)\]$/.exec(trimmed);
      if (!m) throw syntax(file, n, `malformed section header ${JSON.stringify(trimmed)}`);
      const name = (m[1] as string).trim();
      if (name === 'DEFAULT') {
        defaults ??= new Map();
        cur = defaults;
      } else {
        if (sections.has(name)) throw syntax(file, n, `section [${name}] appears twice`);
        cur = new Map();
        sections.set(name, { name, line: n, values: cur });
      }
      lastKey = null;
      continue;
    }
    const m = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!m) throw syntax(file, n, `expected "key = value", found ${JSON.stringify(trimmed)}`);
    if (!cur) throw syntax(file, n, `"${m[1]}" comes before any [section] header`);
    const key = (m[1] as string).toLowerCase();
    if (cur.has(key)) throw syntax(file, n, `key "${key}" appears twice in one section`);
    cur.set(key, { value: m[2] as string, line: n });
    lastKey = key;
  }
  for (const s of sections.values()) {
    for (const [k, v] of defaults ?? []) if (!s.values.has(k)) s.values.set(k, { ...v });
    for (const v of s.values.values()) v.value = v.value.replaceAll('%%', '%');
  }
  return { file, sections };
}

/** A jailkit list value: items separated by commas (or continuation lines), each trimmed. */
export function iniList(v: IniValue | undefined): string[] {
  if (!v) return [];
  return v.value
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
