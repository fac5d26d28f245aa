import path from 'node:path';
import { parseCapabilityText } from '../sys/index.js';
import { DEFAULT_DISCOVERY, DISCOVERY_SIGNALS } from './discovery-signals.js';
import { parseMode } from './modes.js';
import { jailGlob, jailPath, linkTarget } from './paths.js';
import type { KeyPath, SourceDoc } from './source-doc.js';
import { STANDARD_DEVICES } from './standard-devices.js';
import { nearest } from './suggest.js';
import type {
  JailSpec,
  SpecDevice,
  SpecDir,
  SpecFile,
  SpecGroup,
  SpecTmpfs,
  SpecTrace,
  SpecUser,
} from './types.js';
import { splitWords } from './words.js';

/** What one spec file says, normalised, before includes are merged into it. */
export type SpecPart = Partial<Omit<JailSpec, 'origin'>> & { include?: string[] };

/** Where each normalised list item came from, so checks after merging can still name a line. */
export const itemOrigin = new WeakMap<object, { doc: SourceDoc; at: KeyPath }>();

// The validated YAML, typed loosely: the schema already guarantees these shapes.
type Raw = Record<string, unknown>;
type Item = string | Raw;

const list = (v: unknown): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : (v as string[]));

export function normalizeDoc(doc: SourceDoc): SpecPart {
  const raw = doc.data as Raw;
  const part: SpecPart = {};
  const track = <T extends object>(obj: T, at: KeyPath): T => {
    itemOrigin.set(obj, { doc, at });
    return obj;
  };
  const paths = (key: string) => list(raw[key]).map((p, i) => jailPath(doc, p, listAt(raw, key, i)));
  const globs = (key: string) => list(raw[key]).map((p, i) => jailGlob(doc, p, listAt(raw, key, i)));

  const where: Record<string, string> = {};
  const note = (key: string, values: string[]) =>
    values.forEach((v, i) => {
      const pos = doc.position(listAt(raw, key, i));
      where[`${key}:${v}`] = `${doc.file}:${pos.line}:${pos.column}`;
    });
  for (const key of ['binaries', 'trees', 'profiles', 'packages']) note(key, list(raw[key]));
  note(
    'files',
    ((raw.files as Item[] | undefined) ?? []).map((f) => (typeof f === 'string' ? f : (f.path as string))),
  );
  part.where = where;
  if (raw.name !== undefined) part.name = raw.name as string;
  if (raw.source !== undefined) part.source = path.resolve(path.dirname(doc.file), raw.source as string);
  if (raw.include !== undefined) part.include = list(raw.include);
  if (raw.binaries !== undefined) {
    part.binaries = list(raw.binaries).map((b, i) =>
      b.includes('/') ? jailPath(doc, b, listAt(raw, 'binaries', i), 'binary') : b,
    );
  }
  if (raw.files !== undefined) {
    part.files = (raw.files as Item[]).map((f, i) =>
      track(normalizeFile(doc, f, ['files', i]), ['files', i]),
    );
  }
  if (raw.trees !== undefined) part.trees = paths('trees');
  if (raw.exclude !== undefined) part.exclude = globs('exclude');
  if (raw.keep_setuid !== undefined) part.keepSetuid = globs('keep_setuid');
  if (raw.capabilities !== undefined) part.capabilities = normalizeCapabilities(doc, raw.capabilities as Raw);
  if (raw.discover !== undefined) part.discover = normalizeDiscover(doc, raw.discover as boolean | string[]);
  if (raw.profiles !== undefined) part.profiles = list(raw.profiles);
  if (raw.packages !== undefined) part.packages = list(raw.packages);
  if (raw.dependencies !== undefined) part.dependencies = raw.dependencies as boolean;
  if (raw.docs !== undefined) part.docs = raw.docs as boolean;
  if (raw.qemu_static !== undefined) part.qemuStatic = raw.qemu_static as boolean;
  if (raw.users !== undefined) {
    part.users = (raw.users as Raw[]).map((u, i) => track(normalizeUser(doc, u, ['users', i]), ['users', i]));
  }
  if (raw.groups !== undefined) {
    part.groups = (raw.groups as Raw[]).map((g, i) =>
      track<SpecGroup>(
        { name: g.name as string, gid: g.gid as number, members: (g.members as string[]) ?? [] },
        ['groups', i],
      ),
    );
  }
  if (raw.devices !== undefined) {
    part.devices = (raw.devices as (Item | null)[]).map((d, i) =>
      track(normalizeDevice(doc, d, ['devices', i]), ['devices', i]),
    );
  }
  if (raw.dirs !== undefined) {
    part.dirs = (raw.dirs as Item[]).map((d, i) => track(normalizeDir(doc, d, ['dirs', i]), ['dirs', i]));
  }
  if (raw.symlinks !== undefined) {
    part.symlinks = (raw.symlinks as Raw[]).map((s, i) => {
      const p = jailPath(doc, s.path as string, ['symlinks', i, 'path']);
      return track({ path: p, target: linkTarget(doc, p, s.target as string, ['symlinks', i, 'target']) }, [
        'symlinks',
        i,
      ]);
    });
  }
  if (raw.trace !== undefined)
    part.trace = (raw.trace as Item[]).map((t, i) => normalizeTrace(doc, t, ['trace', i]));
  if (raw.run !== undefined) {
    const run = { ...(raw.run as Raw) } as JailSpec['run'];
    if (run.workdir !== undefined) run.workdir = jailPath(doc, run.workdir, ['run', 'workdir']);
    if (run.tmpfs !== undefined) {
      run.tmpfs = (run.tmpfs as unknown as Item[]).map((t, i) => {
        const at: KeyPath = ['run', 'tmpfs', i];
        if (typeof t === 'string') return { path: jailPath(doc, t, at) };
        const out: SpecTmpfs = { path: jailPath(doc, t.path as string, [...at, 'path']) };
        if (t.size !== undefined) out.size = t.size as string | number;
        if (t.mode !== undefined) out.mode = parseMode(doc, t.mode as string | number, [...at, 'mode']);
        if (t.exec !== undefined) out.exec = t.exec as boolean;
        return out;
      });
    }
    part.run = run;
  }
  if (raw.audit !== undefined) part.audit = { allow: ((raw.audit as Raw).allow as string[]) ?? [] };
  return part;
}

function listAt(raw: Raw, key: string, i: number): KeyPath {
  return typeof raw[key] === 'string' ? [key] : [key, i];
}

function normalizeFile(doc: SourceDoc, f: Item, at: KeyPath): SpecFile {
  if (typeof f === 'string') return { path: jailPath(doc, f, at) };
  const out: SpecFile = { path: jailPath(doc, f.path as string, [...at, 'path']) };
  if (f.from !== undefined) out.from = jailPath(doc, f.from as string, [...at, 'from'], 'from');
  if (f.content !== undefined) out.content = f.content as string;
  if (f.from !== undefined && f.content !== undefined) {
    throw doc.error('SPEC_VALUE', 'give either "from" or "content", not both', at);
  }
  if (f.mode !== undefined) out.mode = parseMode(doc, f.mode as string | number, [...at, 'mode']);
  if (f.owner !== undefined) out.owner = f.owner as number | string;
  if (f.group !== undefined) out.group = f.group as number | string;
  return out;
}

function normalizeUser(doc: SourceDoc, u: Raw, at: KeyPath): SpecUser {
  const name = u.name as string;
  const uid = u.uid as number;
  return {
    name,
    uid,
    gid: (u.gid as number | undefined) ?? uid,
    home: jailPath(doc, (u.home as string | undefined) ?? `/home/${name}`, [...at, 'home'], 'home'),
    shell: jailPath(doc, (u.shell as string | undefined) ?? '/bin/sh', [...at, 'shell'], 'shell'),
    gecos: (u.gecos as string | undefined) ?? '',
  };
}

function normalizeDevice(doc: SourceDoc, d: Item | null, at: KeyPath): SpecDevice {
  // YAML reads a bare `null` as no value; in a device list it can only mean /dev/null.
  if (d === null) d = 'null';
  if (typeof d === 'string') {
    const std = STANDARD_DEVICES[d];
    if (!std) {
      const names = Object.keys(STANDARD_DEVICES);
      const guess = nearest(d, names);
      throw doc.error('SPEC_VALUE', `unknown device "${d}"${guess ? `; did you mean "${guess}"?` : ''}`, at, {
        expected: `one of ${names.join(', ')} or {path, type, major, minor, mode}`,
      });
    }
    return { path: `/dev/${d}`, type: 'char', ...std, mode: 0o666, uid: 0, gid: 0 };
  }
  return {
    path: jailPath(doc, d.path as string, [...at, 'path']),
    type: d.type === 'block' || d.type === 'b' ? 'block' : 'char',
    major: d.major as number,
    minor: d.minor as number,
    mode: d.mode === undefined ? 0o666 : parseMode(doc, d.mode as string | number, [...at, 'mode']),
    uid: (d.uid as number | undefined) ?? 0,
    gid: (d.gid as number | undefined) ?? 0,
  };
}

function normalizeDir(doc: SourceDoc, d: Item, at: KeyPath): SpecDir {
  if (typeof d === 'string')
    return { path: jailPath(doc, d, at), mode: 0o755, owner: 0, group: 0, preserve: false };
  return {
    path: jailPath(doc, d.path as string, [...at, 'path']),
    mode: d.mode === undefined ? 0o755 : parseMode(doc, d.mode as string | number, [...at, 'mode']),
    owner: (d.owner as number | string | undefined) ?? 0,
    group: (d.group as number | string | undefined) ?? 0,
    preserve: (d.preserve as boolean | undefined) ?? false,
  };
}

/**
 * A trace command runs as an argument vector (no shell) unless the spec says `shell: true`; a
 * command line given as a string is split into words as sh would quote them, never expanded.
 */
function normalizeTrace(doc: SourceDoc, t: Item, at: KeyPath): SpecTrace {
  if (Array.isArray(t)) return { command: t as string[], shell: false };
  const line = typeof t === 'string' ? t : t.command;
  const shell = typeof t === 'string' ? false : ((t.shell as boolean | undefined) ?? false);
  const where = typeof t === 'string' ? at : [...at, 'command'];
  if (typeof line !== 'string') return { command: line as string[], shell };
  if (shell) return { command: [line], shell: true };
  const words = splitWords(line);
  if (!Array.isArray(words)) {
    throw doc.error('SPEC_VALUE', `trace command needs a shell (${words.needsShell})`, where, {
      expected: 'a plain command line, a list of arguments, or {command: "...", shell: true}',
    });
  }
  return { command: words, shell: false };
}

/** Each capability string parsed now, so a bad one stops the spec before anything is written. */
function normalizeCapabilities(doc: SourceDoc, raw: Raw): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [p, text] of Object.entries(raw)) {
    const at: KeyPath = ['capabilities', p];
    const jail = jailPath(doc, p, at, 'capability path');
    const cap = parseCapabilityText(String(text));
    if (typeof cap === 'string') {
      throw doc.error('SPEC_CAPABILITY', `capabilities: ${p}: "${String(text)}" does not parse: ${cap}`, at, {
        expected: 'a capability string as setcap takes it, e.g. cap_net_raw+ep',
      });
    }
    out[jail] = cap.text;
  }
  return out;
}

/** `discover:` true (the default signals), false (none) or a list of signal names, each known, none twice. */
function normalizeDiscover(doc: SourceDoc, raw: boolean | string[]): string[] {
  if (raw === true) return [...DEFAULT_DISCOVERY];
  if (raw === false) return [];
  if (raw.length === 0) {
    throw doc.error('SPEC_VALUE', 'an empty list turns everything off; write discover: false', ['discover']);
  }
  const seen = new Set<string>();
  raw.forEach((name, i) => {
    if (!(DISCOVERY_SIGNALS as readonly string[]).includes(name)) {
      const guess = nearest(name, [...DISCOVERY_SIGNALS]);
      throw doc.error(
        'SPEC_VALUE',
        `unknown signal "${name}"${guess ? `; did you mean "${guess}"?` : ''}`,
        ['discover', i],
        { expected: `true, false, or some of ${DISCOVERY_SIGNALS.join(', ')}` },
      );
    }
    if (seen.has(name)) throw doc.error('SPEC_VALUE', `"${name}" is listed twice`, ['discover', i]);
    seen.add(name);
  });
  return raw;
}
