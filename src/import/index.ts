export { classify, expandGlob } from './classify.js';
export { type IniFile, type IniSection, type IniValue, iniList, parseIni } from './ini.js';
export { type ImportedSpec, type ImportOptions, type ImportResult, importJailkit } from './jailkit.js';
export { expandSections } from './sections.js';
