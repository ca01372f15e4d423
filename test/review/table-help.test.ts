/**
 * `floe table create | register | drop --help` end with an Examples section, like the other
 * commands, and the create examples run as printed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, floe, floeIn, show, useTmpDirs, writeProject } from '../cli/helpers.js';

/** The example command lines of a help text. */
function examples(help: string): string[] {
  const at = help.indexOf('\nExamples:\n');
  if (at < 0) return [];
  return help
    .slice(at + '\nExamples:\n'.length)
    .split('\n')
    .filter((l) => /^ {2}floe /.test(l))
    .map((l) => l.replace(/\s+#.*$/, '').trim());
}

/** Shell-like words: double quotes group, nothing else is special in these examples. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('table command help', () => {
  const tmp = useTmpDirs('floe-table-help-');
  beforeAll(() => assertBuilt());

  for (const cmd of ['create', 'register', 'drop']) {
    it(`floe table ${cmd} --help has examples of itself`, async () => {
      const r = await floe(['table', cmd, '--help']);
      expect(r.code, show(r)).toBe(0);
      const ex = examples(r.stdout);
      expect(ex.length, r.stdout).toBeGreaterThanOrEqual(2);
      expect(ex.some((l) => l.startsWith(`floe table ${cmd} `)), r.stdout).toBe(true);
    });
  }

  it('the create examples run as printed, in order, against a fresh project', async () => {
    const project = await writeProject(await tmp());
    const help = await floe(['table', 'create', '--help']);
    const ex = examples(help.stdout);
    expect(ex.length).toBeGreaterThanOrEqual(3);
    for (const line of ex) {
      const r = await floeIn(project, words(line).slice(1));
      expect(r.code, `${line}\n${show(r)}`).toBe(0);
    }
    const d = await floeIn(project, ['describe', 'sales.daily_orders']);
    expect(d.stdout, show(d)).toContain('order_ts_day = day(');
  });
});
