import type { CommandModule } from 'yargs';
import { JailError } from '../../errors.js';
import { action } from '../run-command.js';

// Placeholder until the owning issue lands; replaced by the real command.
export const scriptCommand: CommandModule = {
  command: 'script',
  describe: false,
  handler: action(async () => {
    throw new JailError('NOT_IMPLEMENTED', 'script is not implemented yet');
  }),
};
