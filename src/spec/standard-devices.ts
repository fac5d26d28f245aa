/** The device nodes a spec may name instead of spelling out numbers (Linux devices.txt). */
export const STANDARD_DEVICES: Record<string, { major: number; minor: number }> = {
  null: { major: 1, minor: 3 },
  zero: { major: 1, minor: 5 },
  full: { major: 1, minor: 7 },
  random: { major: 1, minor: 8 },
  urandom: { major: 1, minor: 9 },
  tty: { major: 5, minor: 0 },
};
