import type { KeyPath, SourceDoc } from './source-doc.js';

/**
 * A mode from the spec: an octal string ("0755", "1777") or a number. A plain decimal number whose
 * digits are all octal (755, 644, 1777) is almost always an unquoted octal mode that YAML read as
 * decimal, so it is refused with the quoted spelling as a hint, as apko does.
 */
export function parseMode(doc: SourceDoc, value: string | number, at: KeyPath): number {
  if (typeof value === 'string') return Number.parseInt(value, 8);
  const src = (doc.sourceText(at) ?? String(value)).trim().toLowerCase();
  const written = src.startsWith('0o') || src.startsWith('0x');
  if (!written && /^[0-7]+$/.test(src) && src.length >= 3) {
    const quoted = src.length === 3 ? `0${src}` : src;
    throw doc.error('SPEC_MODE', `mode ${src} is a decimal number (= 0${value.toString(8)} octal)`, at, {
      expected: 'an octal mode string',
      hint: `quote it as an octal string: "${quoted}"`,
    });
  }
  if (!Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw doc.error('SPEC_MODE', `mode ${src} is out of range`, at, {
      expected: 'a mode between "0000" and "7777"',
    });
  }
  return value;
}
