export { type GroupLine, type PasswdLine, readGroup, readPasswd } from './accounts.js';
export { classify, expandGlob, findOnPath } from './classify.js';
export { type IniFile, type IniSection, type IniValue, iniList, parseIni } from './ini.js';
export { type ImportedSpec, type ImportOptions, type ImportResult, importJailkit } from './jailkit.js';
export { expandSections } from './sections.js';
