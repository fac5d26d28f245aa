import { spawnSync } from 'node:child_process';
import { SpecError } from '../errors.js';
import { capabilityFromHex, parseGetfattr } from '../sys/index.js';
import type { PlanContext } from './context.js';
import type { FileEntry, PlanEntry } from './types.js';

/**
 * Puts the spec's `capabilities` on the planned files. A capability belongs to an inode, so a
 * path planned as a hard link gives it to the file it links to. A path the jail does not hold as a
 * regular file is an error: a capability that silently lands nowhere is a broken program later.
 */
export function applyCapabilities(ctx: PlanContext, entries: PlanEntry[]): void {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  for (const [path, text] of Object.entries(ctx.spec.capabilities)) {
    let e = byPath.get(path);
    if (e?.type === 'hardlink') e = byPath.get(e.target);
    if (e?.type !== 'file') {
      throw new SpecError(
        'SPEC_CAPABILITY_NOT_FILE',
        `capabilities: ${path} is ${e ? `planned as a ${e.type}` : 'not in the jail'}; a capability goes on a regular file the jail holds`,
        { path: ctx.spec.origin[0] ?? ctx.spec.name, hint: `add ${path} under binaries or files` },
      );
    }
    e.capability = text;
  }
}

/**
 * A note for every copied file whose source has a capability the spec does not set (ping's
 * cap_net_raw): the copy never carries it, and the user should learn that from the plan, not from
 * "Operation not permitted" later. One getfattr run per batch of sources.
 */
export function capabilityNotes(ctx: PlanContext, entries: PlanEntry[]): void {
  const files = entries.filter((e): e is FileEntry => e.type === 'file');
  if (files.length === 0) return;
  const bySource = new Map<string, FileEntry[]>();
  for (const f of files) bySource.set(f.source, [...(bySource.get(f.source) ?? []), f]);
  const sources = [...bySource.keys()];
  for (let i = 0; i < sources.length; i += 2000) {
    const batch = sources.slice(i, i + 2000);
    const r = spawnSync(
      'getfattr',
      ['-P', '-h', '-d', '-m', '^security\\.capability$', '-e', 'hex', '--absolute-names', '--', ...batch],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.error) {
      ctx.notes.add(
        'file capabilities of the source files were not checked: getfattr is missing (install the Debian package attr)',
      );
      return;
    }
    for (const [name, value] of parseGetfattr(r.stdout)) {
      const source = Buffer.from(name, 'latin1').toString('utf8');
      const cap = capabilityFromHex(value.toString('hex'));
      for (const f of bySource.get(source) ?? []) {
        if (f.capability !== undefined) continue;
        const text = cap?.text ?? `(unreadable: ${value.toString('hex')})`;
        ctx.notes.add(
          `${f.path}: the source file has the capability ${text}, which the jail copy does not get; to keep it: capabilities: {${f.path}: ${text}}`,
        );
      }
    }
  }
}
