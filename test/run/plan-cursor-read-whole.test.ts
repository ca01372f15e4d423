/**
 * `floe plan` of a database source whose cursor column the run reads whole (no bound sent to
 * the server: every row is fetched and the run keeps those above the watermark; e4cf376,
 * 602500e, 1392d59): a text column the pipeline reads as other values (`type: long`,
 * `normalize: email`), or a column that is not text read as text (`type: string`). Plan, which
 * does not contact the database, said only "code > 123". It now says which column is read
 * whole (`source_reads_whole` in --json), from the same cursorStart the sources ask.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const source = (kind: string) => (kind === 'sqlite' ? '  kind: sqlite\n  connection: src.db\n' : `  kind: ${kind}\n  connection: "\${URL}"\n`);
const pipeline = (kind: string, rule: string) => `source:\n${source(kind)}  table: items\n  incremental: { cursor: code, initial: "123" }\ncolumns:\n  code: ${rule}\ntarget: { table: app.items, mode: append }\n`;
const env = { URL: 'postgres://user@127.0.0.1:1/none' };

async function plan(kind: string, rule: string) {
  const p = await newProject();
  await p.pipeline('items', pipeline(kind, rule));
  const r = await p.floe(['plan', 'items', '--json'], kind === 'mysql' ? { URL: 'mysql://user@127.0.0.1:1/none' } : env);
  expect(r.code, show(r)).toBe(0);
  const inc = JSON.parse(r.stdout)[0].incremental;
  const text = await p.floe(['plan', 'items'], kind === 'mysql' ? { URL: 'mysql://user@127.0.0.1:1/none' } : env);
  return { inc, text: text.stdout };
}

describe('floe plan of a database cursor read whole', () => {
  for (const kind of ['postgres', 'mysql', 'sqlite']) {
    it(`${kind}: a text column read as numbers (type: long)`, async () => {
      const { inc, text } = await plan(kind, '{ type: long }');
      expect(inc.lower_bound).toBe('123');
      expect(inc.source_reads_whole).toEqual(['text']);
      expect(inc.text).toContain('a text column is read whole (columns.code reads its text as values that do not sort as the text does: no bound is sent, every row is fetched on every run), and only the rows above are kept');
      expect(text).toContain('a text column is read whole');
    }, 60_000);

    it(`${kind}: a column that is not text read as text (type: string)`, async () => {
      const { inc } = await plan(kind, '{ type: string }');
      expect(inc.source_reads_whole).toEqual(['not text']);
      expect(inc.text).toContain('a column that is not text is read whole (columns.code reads it as text, type: string');
    }, 60_000);
  }

  it('a text column normalised as an email is read whole; one kept as it is has its bound', async () => {
    const email = await plan('postgres', '{ normalize: email }');
    expect(email.inc.source_reads_whole).toEqual(['text']);
    const plain = await plan('postgres', '{ rename: item_code }');
    expect(plain.inc.source_reads_whole).toBeUndefined();
    expect(plain.inc.text).toBe('incremental: code > 123 (incremental.initial: no committed code yet)');
  }, 60_000);
});
