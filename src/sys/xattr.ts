/**
 * The dump format of getfattr(1) / setfattr(1) (`getfattr -d -e hex`): Node has no xattr API, so
 * extended attributes (file capabilities) are read and written through attr's tools. One parser on
 * bytes, so a name that is not UTF-8 reads the same for every caller.
 */
import { escapeOctal, unescapeOctal } from './octal-escape.js';

function splitLines(b: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x0a) {
      lines.push(b.subarray(s, i));
      s = i + 1;
    }
  }
  if (s < b.length) lines.push(b.subarray(s));
  return lines;
}

/**
 * Parses `getfattr -d -e hex` output into file name → value bytes, for attribute `attr`. Keys are
 * the raw name bytes as latin1 text (one char a byte: decode with Buffer.from(k, 'latin1')).
 */
export function parseGetfattr(out: Buffer, attr = 'security.capability'): Map<string, Buffer> {
  const res = new Map<string, Buffer>();
  const prefix = `${attr}=0x`;
  let file: string | undefined;
  for (const line of splitLines(out)) {
    if (line.subarray(0, 8).toString('latin1') === '# file: ') {
      file = unescapeOctal(line.subarray(8)).toString('latin1');
    } else if (file !== undefined) {
      const text = line.toString('latin1');
      if (text.startsWith(prefix) && /^[0-9a-fA-F]*$/.test(text.slice(prefix.length)))
        res.set(file, Buffer.from(text.slice(prefix.length), 'hex'));
    }
  }
  return res;
}

/** One setfattr --restore record setting `attr` of `name` (a path relative to setfattr's cwd). */
export function setfattrRecord(name: string | Buffer, hex: string, attr = 'security.capability'): string {
  return `# file: ${escapeOctal(name)}\n${attr}=0x${hex}\n`;
}
