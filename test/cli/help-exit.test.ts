/**
 * Help asked for is exit 0 on stdout; help shown in place of a command (an unknown command
 * after `help`, a group without its subcommand) is a usage error: exit 2, on stderr.
 * A command that lives elsewhere (`floe table describe`) names the one to run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floe, show } from './helpers.js';

beforeAll(assertBuilt);

describe('help exit codes', () => {
  for (const args of [['--help'], ['help'], ['help', 'help'], ['run', '--help'], ['help', 'run'], ['help', 'table'], ['help', 'table', 'evolve'], ['table', '--help']]) {
    it(`floe ${args.join(' ')}: exit 0, help on stdout`, async () => {
      const r = await floe(args);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toMatch(/^Usage: floe/);
    });
  }

  for (const [args, mentions] of [
    [['help', 'nonexist'], ["unknown command 'nonexist'"]],
    [['help', 'tabel'], ["unknown command 'tabel'", 'Did you mean table?']],
    [['help', 'snapshot', 'tagg'], ["unknown command 'tagg'", 'Did you mean tag?']],
    [['help', 'table', 'describe'], ["unknown command 'describe'", 'floe describe <table>']],
  ] as const) {
    it(`floe ${args.join(' ')}: exit 2, the unknown word named on stderr`, async () => {
      const r = await floe(args);
      expect(r.code, show(r)).toBe(2);
      expect(r.stdout).toBe('');
      for (const m of mentions) expect(r.stderr, show(r)).toContain(m);
    });
  }

  for (const group of ['table', 'maintain', 'snapshot', 'identity']) {
    it(`floe ${group} without a subcommand: exit 2, usage on stderr`, async () => {
      const r = await floe([group]);
      expect(r.code, show(r)).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`Usage: floe ${group} `);
    });
  }

  it('floe table describe points at floe describe', async () => {
    const r = await floe(['table', 'describe', 'raw.orders']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain("unknown command 'describe' for 'floe table'");
    expect(r.stderr).toContain('Did you mean floe describe <table>?');
  });

  it('floe snapshot list points at floe snapshots; a typo still gets commander\'s suggestion', async () => {
    const list = await floe(['snapshot', 'list', 'raw.orders']);
    expect(list.code, show(list)).toBe(2);
    expect(list.stderr).toContain('Did you mean floe snapshots <table>?');
    const typo = await floe(['maintain', 'expier', 'raw.orders']);
    expect(typo.code, show(typo)).toBe(2);
    expect(typo.stderr).toContain("unknown command 'expier'");
    expect(typo.stderr).toContain('Did you mean expire?');
  });
});
