import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { errnoCode, SpecError } from '../errors.js';
import { SourceRoot } from '../resolve/index.js';
import { findOnPath, octalMode, parseGroup, parsePasswd } from '../sys/index.js';
import { findByNameOrId } from './accounts.js';
import { classify, expandGlob, hostDevice } from './classify.js';
import { type IniSection, iniList, parseIni } from './ini.js';
import { expandSections } from './sections.js';

/** Keys that list paths to copy (the deprecated ones are plain aliases of `paths` in jk_init). */
const PATH_KEYS = [
  'paths',
  'executables',
  'regularfiles',
  'directories',
  'libraries',
  'paths_w_owner',
  'paths_w_setuid',
];
/** Standard device names the spec knows without numbers. */
const STANDARD_DEVICES = new Set(['null', 'zero', 'full', 'random', 'urandom', 'tty']);
const UNMAPPED: Record<string, string> = {
  need_logsocket:
    'no syslog socket daemon in jailsmith; bind /dev/log at run time (run.binds: ["/dev/log:/dev/log"])',
  need_proc:
    'jailsmith does not mount /proc into a jail at build time; mount it at run time if the program needs it',
};

export interface ImportedSpec {
  name: string;
  source?: string;
  binaries: string[];
  files: string[];
  trees: string[];
  dirs: { path: string; mode: string }[];
  devices: (string | { path: string; type: 'char' | 'block'; major: number; minor: number; mode: string })[];
  users: { name: string; uid: number; gid: number; home: string; shell: string; gecos: string }[];
  groups: { name: string; gid: number; members: string[] }[];
  keep_setuid: string[];
}

export interface ImportResult {
  spec: ImportedSpec;
  /** YAML text of the spec, keys in a fixed order, empty lists left out. */
  yaml: string;
  /** What could not be mapped, one line each, for stderr. */
  notes: string[];
  /** Sections used, includes first. */
  sections: string[];
}

export interface ImportOptions {
  /** Root the paths, PATH lookups and accounts are checked in (default '/'). */
  root?: string;
}

/** Reads a jailkit ini file and maps the named sections (with their includes) to a jailsmith spec. */
export function importJailkit(iniFile: string, names: string[], opts: ImportOptions = {}): ImportResult {
  let text: string;
  try {
    text = readFileSync(iniFile, 'utf8');
  } catch (e) {
    throw new SpecError('INI_READ', `cannot read the ini file: ${errnoCode(e) ?? String(e)}`, {
      path: iniFile,
    });
  }
  if (names.length === 0)
    throw new SpecError('INI_NO_SECTION', 'name at least one section to import', { path: iniFile });
  const root = SourceRoot.open(opts.root ?? '/');
  const sections = expandSections(parseIni(text, iniFile), names);
  const notes: string[] = [];
  const acc = {
    binaries: new Set<string>(),
    files: new Set<string>(),
    trees: new Set<string>(),
    dirs: new Map<string, string>(),
    devices: new Map<string, ImportedSpec['devices'][number]>(),
    users: new Set<string>(),
    groups: new Set<string>(),
    keepSetuid: new Set<string>(),
  };
  for (const s of sections) mapSection(root, s, acc, notes);
  const spec: ImportedSpec = {
    name: names.join('-').replace(/[^A-Za-z0-9._-]/g, '_'),
    ...(root.isHost ? {} : { source: root.dir }),
    binaries: [...acc.binaries].sort(),
    files: [...acc.files].sort(),
    trees: [...acc.trees].sort(),
    dirs: [...acc.dirs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, mode]) => ({ path, mode })),
    devices: [...acc.devices].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, d]) => d),
    ...accounts(root, acc.users, acc.groups, notes),
    keep_setuid: [...acc.keepSetuid].sort(),
  };
  return { spec, yaml: toYaml(spec, sections), notes, sections: sections.map((s) => s.name) };
}

type Acc = {
  binaries: Set<string>;
  files: Set<string>;
  trees: Set<string>;
  dirs: Map<string, string>;
  devices: Map<string, ImportedSpec['devices'][number]>;
  users: Set<string>;
  groups: Set<string>;
  keepSetuid: Set<string>;
};

function mapSection(root: SourceRoot, s: IniSection, acc: Acc, notes: string[]): void {
  for (const [key, v] of [...s.values].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (key === 'comment' || key === 'includesections') continue;
    if (PATH_KEYS.includes(key)) {
      if (key === 'paths_w_owner' && iniList(v).length > 0)
        notes.push(`[${s.name}] paths_w_owner: copied, but owners come from the spec (root), not the host`);
      // jailkit's stock sections list every distro's layout at once: one line per key, not per miss
      const missing = iniList(v).filter(
        (item) => !mapPath(root, s.name, item, key === 'paths_w_setuid', acc, notes),
      );
      if (missing.length > 0)
        notes.push(`[${s.name}] ${key}: not in ${root.dir}, skipped: ${missing.join(', ')}`);
    } else if (key === 'emptydirs') {
      for (const d of iniList(v)) acc.dirs.set(d, '0755');
    } else if (key === 'devices') {
      for (const d of iniList(v)) mapDevice(s.name, d, acc, notes);
    } else if (key === 'users') {
      for (const u of iniList(v)) acc.users.add(u);
    } else if (key === 'groups') {
      for (const g of iniList(v)) acc.groups.add(g);
    } else if (UNMAPPED[key]) {
      notes.push(`[${s.name}] ${key} not mapped: ${UNMAPPED[key]}`);
    } else {
      notes.push(`[${s.name}] ${key} (line ${v.line}) is not a jailkit key jailsmith knows; ignored`);
    }
  }
}

/** Maps one jailkit path item; false when nothing in the root matches it. */
function mapPath(
  root: SourceRoot,
  section: string,
  item: string,
  setuid: boolean,
  acc: Acc,
  notes: string[],
): boolean {
  if (!item.startsWith('/')) {
    // Any regular file counts, executable or not: jailkit's ini files name data files by bare name.
    if (!findOnPath(root, item, { exec: false })) return false;
    acc.binaries.add(item);
    return true;
  }
  const found = expandGlob(root, item.length > 1 ? item.replace(/\/+$/, '') : item);
  if (found.length === 0) return false;
  for (const p of found) {
    const kind = classify(root, p);
    if (kind === 'binary') acc.binaries.add(p);
    else if (kind === 'tree') acc.trees.add(p);
    else if (kind === 'device') mapDevice(section, p, acc, notes);
    else if (kind === 'file') acc.files.add(p);
    else notes.push(`[${section}] ${p}: a dangling link in ${root.dir}; skipped`);
    if (setuid) acc.keepSetuid.add(p);
  }
  return true;
}

function mapDevice(section: string, p: string, acc: Acc, notes: string[]): void {
  const base = p.startsWith('/dev/') ? p.slice(5) : null;
  if (base && STANDARD_DEVICES.has(base)) {
    acc.devices.set(p, base);
    return;
  }
  const d = hostDevice(p);
  if (!d) {
    notes.push(`[${section}] device ${p}: not a device node on this host; skipped`);
    return;
  }
  acc.devices.set(p, { path: p, type: d.type, major: d.major, minor: d.minor, mode: octalMode(d.mode) });
}

function accounts(root: SourceRoot, users: Set<string>, groups: Set<string>, notes: string[]) {
  // The root's account files, read as data (never through NSS: the root may not be the host).
  const passwd = parsePasswd(root.readText('/etc/passwd'));
  const group = parseGroup(root.readText('/etc/group'));
  const outUsers = new Map<string, ImportedSpec['users'][number]>();
  const outGroups = new Map<string, ImportedSpec['groups'][number]>();
  for (const u of users) {
    const p = findByNameOrId(passwd, u, (x) => x.uid);
    if (!p) {
      notes.push(`user ${u}: not in ${root.dir === '/' ? '' : root.dir}/etc/passwd; skipped`);
      continue;
    }
    outUsers.set(p.name, {
      name: p.name,
      uid: p.uid,
      gid: p.gid,
      home: p.home,
      shell: p.shell,
      gecos: p.gecos,
    });
    // jailkit adds each user's primary group, so the jail's group file names it
    const primary = group.find((g) => g.gid === p.gid);
    if (primary) groups.add(primary.name);
  }
  for (const g of groups) {
    const e = findByNameOrId(group, g, (x) => x.gid);
    if (!e) {
      notes.push(`group ${g}: not in ${root.dir === '/' ? '' : root.dir}/etc/group; skipped`);
      continue;
    }
    outGroups.set(e.name, {
      name: e.name,
      gid: e.gid,
      members: e.members.filter((m) => outUsers.has(m)).sort(),
    });
  }
  const byId = <T extends { name: string }>(m: Map<string, T>, id: (t: T) => number) =>
    [...m.values()].sort((a, b) => id(a) - id(b) || (a.name < b.name ? -1 : 1));
  return { users: byId(outUsers, (u) => u.uid), groups: byId(outGroups, (g) => g.gid) };
}

/** YAML with the spec's own key order; empty lists are left out so the file reads like a hand-written one. */
function toYaml(spec: ImportedSpec, sections: IniSection[]): string {
  const doc: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) if (!(Array.isArray(v) && v.length === 0)) doc[k] = v;
  const header = `# Imported from jailkit sections: ${sections.map((s) => s.name).join(', ')}\n`;
  return header + stringify(doc, { lineWidth: 0 });
}
