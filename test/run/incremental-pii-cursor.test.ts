/**
 * An incremental cursor on a column the pipeline tags as PII (`pii:` hash, mask or redact,
 * applied at read or at ingest) put its raw greatest value in the table's metadata: the
 * snapshot summary `floe.cursor.value` and the table property `floe.watermark.<pipeline>`,
 * which `floe snapshots`, `floe describe` and any engine show unmasked. Such a cursor is a
 * config error (exit 2) at the cursor's line:col, found by `floe validate`, `floe plan` and
 * `floe run` before anything is written; `pii: none` and an untagged cursor still run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const env = { FLOE_PII_SALT: 'a-long-salt-for-the-incremental-pii-cursor-test' };

const pipeline = (rule: string) =>
  ['source:', '  kind: csv', '  path: data/*.csv', '  incremental: { cursor: email }', 'columns:', `  email: ${rule}`, 'target: { table: raw.t, mode: append }', ''].join('\n');

describe('an incremental cursor tagged as PII', () => {
  for (const rule of ['{ pii: { policy: hash, apply: ingest } }', '{ normalize: email, pii: email }', '{ pii: redact }']) {
    it(`is refused by validate, plan and run at its line:col (${rule})`, async () => {
      const p = await newProject();
      const file = await p.pipeline('contacts', pipeline(rule));
      await p.write('data/a.csv', 'id,email\n1,ann@x.com\n2,bob@x.com\n');
      for (const cmd of [['validate'], ['plan'], ['run', 'contacts']]) {
        const r = await p.floe(cmd, env);
        expect(r.code, `${cmd[0]}: ${show(r)}`).toBe(2);
        expect(r.stderr, cmd[0]).toContain(`${file}:4:26: source.incremental.cursor: the incremental cursor email is tagged PII`);
        expect(r.stderr, cmd[0]).toContain("stored unmasked in the table's metadata");
        expect(r.stderr, cmd[0]).toContain('name a column that is not PII in incremental.cursor');
      }
      expect(await p.exists('raw.t'), 'nothing was written').toBe(false);
    }, 60_000);
  }

  it('with pii: none, commits the watermark as before', async () => {
    const p = await newProject();
    await p.pipeline('contacts', pipeline('{ pii: none }'));
    await p.write('data/a.csv', 'id,email\n1,ann@x.com\n2,bob@x.com\n');
    await p.run(['contacts'], 0, env);
    const snaps = await p.snapshots('raw.t');
    expect(snaps.at(-1)?.summary['floe.cursor.value']).toBe('bob@x.com');
  }, 60_000);

  it('on a column only the table tags (floe table evolve --set-property) is refused by plan and run, nothing committed', async () => {
    const p = await newProject();
    const file = await p.pipeline('contacts', pipeline('{ normalize: email }'));
    await p.write('data/a.csv', 'id,email\n1,ann@x.com\n2,bob@x.com\n');
    await p.run(['contacts'], 0, env);
    const tag = await p.floe(['table', 'evolve', 'raw.t', '--set-property', 'floe.pii.email=email:mask'], env);
    expect(tag.code, show(tag)).toBe(0);
    const before = (await p.snapshots('raw.t')).length;
    await p.write('data/b.csv', 'id,email\n3,cat@x.com\n');
    for (const cmd of [['plan'], ['run', 'contacts']]) {
      const r = await p.floe(cmd, env);
      expect(r.code, `${cmd[0]}: ${show(r)}`).toBe(2);
      expect(r.stderr, cmd[0]).toContain(`${file}:4:26: source.incremental.cursor: the incremental cursor email is a column raw.t tags PII (email: mask)`);
      expect(r.stderr, cmd[0]).toContain('Name a column that is not PII in incremental.cursor');
      expect(r.stderr, cmd[0]).not.toContain('cat@x.com');
    }
    expect((await p.snapshots('raw.t')).length, 'nothing was committed').toBe(before);
  }, 60_000);
});
