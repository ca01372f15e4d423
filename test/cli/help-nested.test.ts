/** `floe help <group> <command>` prints the subcommand's help, as `floe <group> <command> --help` does. */
import { beforeAll, describe, expect, it } from 'vitest';
import { nestedHelpArgv } from '../../src/cli/main.js';
import { assertBuilt, floe, show } from './helpers.js';

beforeAll(assertBuilt);

describe('floe help of a subcommand', () => {
  for (const words of [['table', 'evolve'], ['maintain', 'expire'], ['snapshot', 'rollback'], ['identity', 'explain']]) {
    it(`floe help ${words.join(' ')}`, async () => {
      const viaHelp = await floe(['help', ...words]);
      const viaFlag = await floe([...words, '--help']);
      expect(viaHelp.code, show(viaHelp)).toBe(0);
      expect(viaHelp.stdout).toContain(`Usage: floe ${words.join(' ')} `);
      expect(viaHelp.stdout).toBe(viaFlag.stdout);
    });
  }

  it('leaves other argument lists alone', () => {
    expect(nestedHelpArgv(['node', 'floe', 'help', 'run'])).toEqual(['node', 'floe', 'help', 'run']);
    expect(nestedHelpArgv(['node', 'floe', 'run', 'help', 'x'])).toEqual(['node', 'floe', 'run', 'help', 'x']);
    expect(nestedHelpArgv(['node', 'floe', 'help', 'table', 'evolve'])).toEqual(['node', 'floe', 'table', 'evolve', '--help']);
  });
});
