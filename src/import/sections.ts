import { SpecError } from '../errors.js';
import { type IniFile, type IniSection, iniList } from './ini.js';

/**
 * The named sections and everything they include, depth-first with includes before the section
 * itself (jailkit's order), each once. A cycle is an error naming it (jailkit recursed until
 * Python gave up); an include of a section that does not exist names the including line.
 */
export function expandSections(ini: IniFile, names: string[]): IniSection[] {
  const done = new Set<string>();
  const out: IniSection[] = [];
  const visit = (name: string, stack: string[], from?: { section: string; line: number }) => {
    if (done.has(name)) return;
    if (stack.includes(name)) {
      const cycle = [...stack.slice(stack.indexOf(name)), name].join(' -> ');
      throw new SpecError('INI_INCLUDE_CYCLE', `includesections form a cycle: ${cycle}`, {
        path: from ? `${ini.file}:${from.line}` : ini.file,
        details: { cycle: [...stack.slice(stack.indexOf(name)), name] },
      });
    }
    const section = ini.sections.get(name);
    if (!section) {
      const where = from ? ` (included by [${from.section}])` : '';
      throw new SpecError('INI_UNKNOWN_SECTION', `no section [${name}] in the ini file${where}`, {
        path: from ? `${ini.file}:${from.line}` : ini.file,
        hint: `sections: ${[...ini.sections.keys()].sort().join(', ')}`,
      });
    }
    const inc = section.values.get('includesections');
    for (const child of iniList(inc)) visit(child, [...stack, name], { section: name, line: inc?.line ?? 0 });
    done.add(name);
    out.push(section);
  };
  for (const n of names) visit(n, []);
  return out;
}
