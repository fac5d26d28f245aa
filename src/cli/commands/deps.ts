import type { CommandModule } from 'yargs';
import { JailError } from '../../errors.js';
import { action } from '../run-command.js';

// Placeholder until the owning issue lands; replaced by the real command.
export const depsCommand: CommandModule = {
  command: 'deps',
  describe: false,
  handler: action(async () => {
    throw new JailError('NOT_IMPLEMENTED', 'deps is not implemented yet');
  }),
};
