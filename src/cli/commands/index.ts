import type { CommandModule } from 'yargs';
import { auditCommand } from './audit.js';
import { buildCommand } from './build.js';
import { completionCommand } from './completion.js';
import { depsCommand } from './deps.js';
import { importCommand } from './import.js';
import { installCommand } from './install.js';
import { keygenCommand } from './keygen.js';
import { manifestCommand } from './manifest.js';
import { packCommand } from './pack.js';
import { planCommand } from './plan.js';
import { runCommand } from './run.js';
import { scriptCommand } from './script.js';
import { userCommand } from './user.js';
import { verifyCommand } from './verify.js';

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types
export const commands: CommandModule<any, any>[] = [
  depsCommand,
  planCommand,
  buildCommand,
  scriptCommand,
  manifestCommand,
  auditCommand,
  packCommand,
  installCommand,
  verifyCommand,
  keygenCommand,
  runCommand,
  importCommand,
  userCommand,
  completionCommand,
];
