/** A name or a numeric id, as jailkit accepts both. */
export function findByNameOrId<T extends { name: string }>(
  list: T[],
  want: string,
  id: (t: T) => number,
): T | undefined {
  return /^\d+$/.test(want) ? list.find((t) => id(t) === Number(want)) : list.find((t) => t.name === want);
}
