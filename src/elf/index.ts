export { cacheFlags, EM, hostMachine, type MachineInfo, machineInfo } from './machine.js';
export { bufferSource, isElfMagic, parseElf, parseElfSource } from './parse.js';
export { readElf, type Sniffed, sniffFile } from './read-file.js';
export { type ElfSections, readSections } from './sections.js';
export { type ByteSource, DF_1_NODEFLIB, type ElfInfo, ET_DYN, ET_EXEC } from './types.js';
