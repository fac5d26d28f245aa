import { describe, expect, it } from 'vitest';
import { commandName, commands, findCommand } from '../../src/cli/commands/index.js';

/**
 * The light table main.ts shows in --help (without loading the modules) must say what each
 * module says: a command renamed or re-described in its module and not in the table fails here.
 */
describe('command table', () => {
  it.each(commands.map((c) => [commandName(c), c] as const))(
    '%s matches its module',
    async (_name, entry) => {
      const mod = await entry.load();
      expect(entry.command).toBe(mod.command);
      expect(entry.describe).toBe(mod.describe);
      const aliases = mod.aliases === undefined ? [] : [mod.aliases].flat();
      expect([...(entry.aliases ?? [])]).toEqual(aliases);
    },
  );

  it('only the commands that take a job’s command take what follows --', () => {
    expect(commands.filter((c) => c.tail).map(commandName)).toEqual(['run', 'oci-bundle', 'k8s']);
  });

  it('finds a command by name, not by a prefix', () => {
    expect(findCommand('audit')?.command).toBe('audit [dir]');
    expect(findCommand('aud')).toBeUndefined();
  });
});
