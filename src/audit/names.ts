import { isUtf8 } from 'node:buffer';

/**
 * Characters that print badly or deceptively: C0/C1 controls, DEL, line/paragraph separators,
 * bidi overrides and isolates (a U+202E name can show `gpj.exe` as `exe.jpg`), and the escape
 * character itself.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/;

/**
 * A printable form of raw name bytes. Valid UTF-8 without unsafe characters passes unchanged;
 * invalid bytes and controls become \xNN, deceptive characters \u{NNNN}, a backslash \\, so two
 * different names never print the same.
 * Returns the printable string and whether anything was escaped.
 */
export function printable(raw: Buffer): { text: string; escaped: boolean } {
  if (isUtf8(raw)) {
    const s = raw.toString('utf8');
    if (!UNSAFE.test(s)) return { text: s, escaped: false };
    return { text: escapeString(s), escaped: true };
  }
  return { text: escapeBytes(raw), escaped: true };
}

function escapeString(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (UNSAFE.test(ch)) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return out;
}

/** Escapes invalid UTF-8 bytes one by one while keeping valid multi-byte sequences readable. */
function escapeBytes(raw: Buffer): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const b = raw[i] as number;
    const len =
      b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    const seq = len > 0 ? raw.subarray(i, i + len) : undefined;
    if (seq && seq.length === len && (len === 1 || isUtf8(seq))) {
      out += escapeString(seq.toString('utf8'));
      i += len;
    } else {
      out += `\\x${b.toString(16).padStart(2, '0')}`;
      i += 1;
    }
  }
  return out;
}

/** Joins an in-jail directory path and a child name. */
export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/**
 * Names that pass through printable() unchanged and sort the same as bytes and as JS strings:
 * printable ASCII without the backslash.
 */
export const PLAIN = /^[\x20-\x5b\x5d-\x7e]*$/;

/** Whether byte `c` is one PLAIN allows (for a parser that tests bytes as it scans them). */
export const plainByte = (c: number): boolean => c >= 0x20 && c <= 0x7e && c !== 0x5c;
