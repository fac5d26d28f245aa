/**
 * The `\ooo` escapes the kernel (mountinfo path fields) and attr(1) (getfattr/setfattr names) use
 * for bytes a line-based format cannot carry raw. Both work on bytes: a name need not be UTF-8.
 */

/** Decodes every `\` followed by three octal digits; every other byte passes unchanged. */
export function unescapeOctal(b: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    const oct = b[i] === 0x5c && i + 3 < b.length ? b.subarray(i + 1, i + 4).toString('latin1') : '';
    if (/^[0-7]{3}$/.test(oct)) {
      out.push(Number.parseInt(oct, 8));
      i += 3;
    } else out.push(b[i] as number);
  }
  return Buffer.from(out);
}

/** Escapes bytes outside printable ASCII, space and `\` as attr's quote() does (`\ooo`). */
export function escapeOctal(p: string | Buffer): string {
  let out = '';
  for (const b of typeof p === 'string' ? Buffer.from(p) : p) {
    out +=
      b <= 0x20 || b >= 0x7f || b === 0x5c ? `\\${b.toString(8).padStart(3, '0')}` : String.fromCharCode(b);
  }
  return out;
}
