/** Four-digit octal text of a mode's permission bits ('0755'), for messages, summaries and files. */
export function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
