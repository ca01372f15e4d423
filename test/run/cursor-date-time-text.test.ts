/**
 * A JSON (Lines) date-time cursor whose forms vary within a batch (`…12:00:00Z` beside
 * `…11:00:00.5Z`, as Python's isoformat() writes) is read as text, and text compared as bytes:
 * `…12:00:00.5Z` sorts below `…12:00:00Z`, so a row later in the watermark's second was never
 * written, and a merge kept the earlier of two rows of one key. Such a cursor is now ordered by
 * the instants its values name (run/cursor-order.ts); other text keeps byte order.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('an ISO-8601 text cursor of varying forms', () => {
  it('reads the rows after the watermark by instant, and commits the text of the latest', async () => {
    const p = await newProject();
    await p.pipeline('e', 'source: { kind: jsonl, path: data/*.jsonl, incremental: { cursor: ts } }\ntarget: { table: raw.e, mode: append }\n');
    await p.write('data/a.jsonl', '{"id": 1, "ts": "2026-01-05T12:00:00Z"}\n{"id": 2, "ts": "2026-01-05T11:00:00.5Z"}\n');
    await p.run(['e']);
    expect((await p.snapshots('raw.e')).at(-1)?.summary['floe.cursor.value']).toBe('2026-01-05T12:00:00Z');
    // Later in the watermark's second; an offset form whose text sorts above the watermark but whose instant (11:30Z) is below it; an older row.
    await p.write('data/b.jsonl', '{"id": 3, "ts": "2026-01-05T12:00:00.5Z"}\n{"id": 4, "ts": "2026-01-05T12:30:00+01:00"}\n{"id": 5, "ts": "2026-01-05T11:59:59Z"}\n');
    await p.run(['e']);
    const rows = await p.query('SELECT id FROM raw.e ORDER BY id');
    expect(rows.map((r) => Number(r.id))).toEqual([1, 2, 3]);
    expect((await p.snapshots('raw.e')).at(-1)?.summary['floe.cursor.value']).toBe('2026-01-05T12:00:00.5Z');
  }, 60_000);

  it('a merge keeps the row of the later instant for a key', async () => {
    const p = await newProject();
    await p.pipeline('m', 'source: { kind: json, path: data/m.json, incremental: { cursor: ts } }\ntarget: { table: raw.m, mode: merge, key: [id] }\n');
    await p.write('data/m.json', '[{"id": 1, "v": "new", "ts": "2026-01-05T12:00:00.5Z"}, {"id": 1, "v": "old", "ts": "2026-01-05T12:00:00Z"}]\n');
    await p.run(['m']);
    const rows = await p.query('SELECT id, v FROM raw.m');
    expect(rows.map((r) => String(r.v))).toEqual(['new']);
  }, 60_000);

  it('text that is not a date-time keeps byte order', async () => {
    const p = await newProject();
    await p.pipeline('v', 'source: { kind: jsonl, path: data/*.jsonl, incremental: { cursor: ver } }\ntarget: { table: raw.v, mode: append }\n');
    await p.write('data/a.jsonl', '{"id": 1, "ver": "b"}\n');
    await p.run(['v']);
    await p.write('data/b.jsonl', '{"id": 2, "ver": "a"}\n{"id": 3, "ver": "c"}\n{"id": 4, "ver": "2026-01-05T12:00:00Z"}\n');
    await p.run(['v']);
    const rows = await p.query('SELECT id FROM raw.v ORDER BY id');
    expect(rows.map((r) => Number(r.id))).toEqual([1, 3]);
  }, 60_000);
});
