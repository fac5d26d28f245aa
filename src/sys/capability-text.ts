import { CAP_NAMES } from './cap-names.js';

/**
 * File capabilities as setcap(8) writes them ("cap_net_raw+ep", "cap_a,cap_b=eip") and as the
 * kernel stores them (struct vfs_cap_data, revision 2, little-endian, in security.capability).
 * Parsed here rather than by running setcap so that a bad string is a spec error before any
 * build, and so that a machine without libcap's tools can still plan, pack and check.
 */
export interface FileCapability {
  /** Canonical text ("cap_net_raw=ep"): what the plan carries and the setup script passes to setcap. */
  text: string;
  /** Hex of the security.capability value (no 0x): what build and install write. */
  hex: string;
  permitted: bigint;
  inheritable: bigint;
  effective: boolean;
}

const CLAUSE = /^([a-z0-9_,]*)((?:[=+-][eip]*)+)$/;
const VFS_CAP_REVISION_2 = 0x02000000;

/** Parses a capability string; returns the reason it does not parse as a string instead. */
export function parseCapabilityText(text: string): FileCapability | string {
  let perm = 0n;
  let inh = 0n;
  let eff = 0n;
  const clauses = text.trim().toLowerCase().split(/\s+/);
  if (clauses.length === 0 || clauses[0] === '') return 'it is empty';
  for (const clause of clauses) {
    const m = CLAUSE.exec(clause);
    if (!m) return `"${clause}" is not CAPS[=+-]FLAGS (e.g. cap_net_raw+ep)`;
    const [, list = '', ops = ''] = m;
    let mask = 0n;
    if (list === '' || list === 'all') {
      if (list === '' && !ops.startsWith('='))
        return `"${clause}": an empty capability list goes only with =`;
      mask = (1n << BigInt(CAP_NAMES.length)) - 1n;
    } else {
      for (const name of list.split(',')) {
        const i = CAP_NAMES.indexOf(name);
        if (i < 0) return `unknown capability "${name}"`;
        mask |= 1n << BigInt(i);
      }
    }
    for (const op of ops.match(/[=+-][eip]*/g) ?? []) {
      const flags = op.slice(1);
      if (op[0] === '=') {
        perm &= ~mask;
        inh &= ~mask;
        eff &= ~mask;
      } else if (flags === '') return `"${clause}": ${op[0]} needs flags (e, i, p)`;
      const set = op[0] !== '-';
      for (const f of flags) {
        if (f === 'p') perm = set ? perm | mask : perm & ~mask;
        if (f === 'i') inh = set ? inh | mask : inh & ~mask;
        if (f === 'e') eff = set ? eff | mask : eff & ~mask;
      }
    }
  }
  if (perm === 0n && inh === 0n) return 'it grants nothing (no p or i flag)';
  // A file has one effective bit for all its capabilities: the kernel cannot store "e" for some.
  if (eff !== 0n && eff !== (perm | inh))
    return 'a file capability is effective for all of its capabilities or none (e for some only)';
  return encode(perm, inh, eff !== 0n);
}

/** The capability stored as hex (revision 2 or 3, as getfattr prints it), or undefined if malformed. */
export function capabilityFromHex(hex: string): FileCapability | undefined {
  const raw = Buffer.from(hex, 'hex');
  if (raw.length < 20) return undefined;
  const magic = raw.readUInt32LE(0);
  const rev = (magic & 0xff000000) >>> 0;
  if (rev !== 0x02000000 && rev !== 0x03000000) return undefined;
  const perm = BigInt(raw.readUInt32LE(4)) | (BigInt(raw.readUInt32LE(12)) << 32n);
  const inh = BigInt(raw.readUInt32LE(8)) | (BigInt(raw.readUInt32LE(16)) << 32n);
  return { ...encode(perm, inh, (magic & 1) !== 0), hex };
}

function encode(perm: bigint, inh: bigint, effective: boolean): FileCapability {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(VFS_CAP_REVISION_2 | (effective ? 1 : 0), 0);
  b.writeUInt32LE(Number(perm & 0xffffffffn), 4);
  b.writeUInt32LE(Number(inh & 0xffffffffn), 8);
  b.writeUInt32LE(Number(perm >> 32n), 12);
  b.writeUInt32LE(Number(inh >> 32n), 16);
  return {
    text: canonical(perm, inh, effective),
    hex: b.toString('hex'),
    permitted: perm,
    inheritable: inh,
    effective,
  };
}

/** Groups capabilities by their flags, as cap_to_text does: "cap_net_raw=ep cap_chown=i". */
function canonical(perm: bigint, inh: bigint, effective: boolean): string {
  const groups = new Map<string, string[]>();
  for (let i = 0; i < 64; i++) {
    const bit = 1n << BigInt(i);
    const flags = `${effective && (perm | inh) & bit ? 'e' : ''}${inh & bit ? 'i' : ''}${perm & bit ? 'p' : ''}`;
    if (flags === '') continue;
    const list = groups.get(flags) ?? [];
    list.push(CAP_NAMES[i] ?? `cap_${i}`);
    groups.set(flags, list);
  }
  return [...groups].map(([flags, names]) => `${names.join(',')}=${flags}`).join(' ');
}
