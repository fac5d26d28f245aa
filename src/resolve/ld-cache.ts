/**
 * glibc's ld.so.cache: the old `ld.so-1.7.0` format, the new `glibc-ld.so.cache1.1` format, and
 * the old one followed by the new one. At run time the loader consults only this file, never
 * ld.so.conf, so a root with a cache is resolved from it.
 */
export interface CacheEntry {
  /** ldconfig flags: FLAG_ELF_LIBC6 plus the architecture's required bits. */
  flags: number;
  key: string;
  value: string;
  /** glibc-hwcaps subdirectory name for entries found there, else null. */
  hwcaps: string | null;
  /** A non-zero legacy hwcap mask (entries from legacy platform subdirectories). */
  legacyHwcap: boolean;
}

export interface LdCache {
  /** Entries by soname in file order (ldconfig sorts best first). */
  byName: Map<string, CacheEntry[]>;
}

const OLD_MAGIC = 'ld.so-1.7.0';
const NEW_MAGIC = 'glibc-ld.so.cache1.1';
const EXT_MAGIC = 0xeaa42174;
const EXT_TAG_HWCAPS = 1;

function cstr(b: Buffer, off: number): string | null {
  if (off < 0 || off >= b.length) return null;
  const nul = b.indexOf(0, off);
  if (nul < 0) return null;
  return b.toString('utf8', off, nul);
}

/** Parses a cache image; returns null when it is neither format or is inconsistent. */
export function parseLdCache(b: Buffer): LdCache | null {
  const byName = new Map<string, CacheEntry[]>();
  const add = (e: CacheEntry): void => {
    const list = byName.get(e.key);
    if (list) list.push(e);
    else byName.set(e.key, [e]);
  };
  let newOff = -1;
  if (b.length >= 16 && b.toString('latin1', 0, OLD_MAGIC.length) === OLD_MAGIC) {
    const nlibs = b.readUInt32LE(12);
    const entriesEnd = 16 + nlibs * 12;
    if (entriesEnd > b.length) return null;
    // The new format, when present, follows the old entries aligned to 8 bytes; prefer it.
    const aligned = (entriesEnd + 7) & ~7;
    if (b.length >= aligned + 48 && b.toString('latin1', aligned, aligned + NEW_MAGIC.length) === NEW_MAGIC)
      newOff = aligned;
    else {
      const strings = b.subarray(entriesEnd);
      for (let i = 0; i < nlibs; i++) {
        const o = 16 + i * 12;
        const key = cstr(strings, b.readUInt32LE(o + 4));
        const value = cstr(strings, b.readUInt32LE(o + 8));
        if (key !== null && value !== null)
          add({ flags: b.readInt32LE(o), key, value, hwcaps: null, legacyHwcap: false });
      }
      return { byName };
    }
  } else if (b.length >= 48 && b.toString('latin1', 0, NEW_MAGIC.length) === NEW_MAGIC) newOff = 0;
  else return null;

  const n = b.subarray(newOff);
  // flags bits 0-1: 2 little endian, 3 big endian; 0 (old ldconfig) means the host's order.
  const endian = (n[28] as number) & 3;
  const le = endian !== 3;
  const u32 = (o: number): number => (le ? n.readUInt32LE(o) : n.readUInt32BE(o));
  const nlibs = u32(20);
  const extOff = u32(32);
  if (48 + nlibs * 24 > n.length) return null;

  const hwcapNames: string[] = [];
  if (extOff !== 0 && extOff + 8 <= n.length && u32(extOff) === EXT_MAGIC) {
    const count = u32(extOff + 4);
    for (let i = 0; i < count && extOff + 8 + (i + 1) * 16 <= n.length; i++) {
      const s = extOff + 8 + i * 16;
      if (u32(s) !== EXT_TAG_HWCAPS) continue;
      const off = u32(s + 8);
      const size = u32(s + 12);
      for (let j = 0; j + 4 <= size && off + j + 4 <= n.length; j += 4)
        hwcapNames.push(cstr(n, u32(off + j)) ?? '');
    }
  }

  for (let i = 0; i < nlibs; i++) {
    const o = 48 + i * 24;
    const flags = le ? n.readInt32LE(o) : n.readInt32BE(o);
    const key = cstr(n, u32(o + 4));
    const value = cstr(n, u32(o + 8));
    if (key === null || value === null) continue;
    const hi = u32(o + (le ? 20 : 16));
    const lo = u32(o + (le ? 16 : 20));
    // Bits 55-63 equal to 0b100000000 mark a glibc-hwcaps entry; the low 32 bits index its name.
    const isExt = hi >>> 23 === 0x80;
    add({
      flags,
      key,
      value,
      hwcaps: isExt ? (hwcapNames[lo] ?? '\0unknown') : null,
      legacyHwcap: !isExt && (hi !== 0 || lo !== 0),
    });
  }
  return { byName };
}

/**
 * The loader's choice for `soname`: the best-priority glibc-hwcaps entry among `hwcaps` (first is
 * best), else the first plain entry, each with acceptable flags. Returns the candidates in the
 * order the loader would try them (it falls back when a cached file is unusable).
 */
export function lookupCache(cache: LdCache, soname: string, flags: number[], hwcaps: string[]): string[] {
  const list = cache.byName.get(soname);
  if (!list) return [];
  const ranked: { prio: number; value: string }[] = [];
  for (const e of list) {
    if (!flags.includes(e.flags) || e.legacyHwcap) continue;
    if (e.hwcaps !== null) {
      const p = hwcaps.indexOf(e.hwcaps);
      if (p >= 0) ranked.push({ prio: p, value: e.value });
    } else ranked.push({ prio: hwcaps.length, value: e.value });
  }
  ranked.sort((a, b) => a.prio - b.prio);
  return ranked.map((r) => r.value);
}
