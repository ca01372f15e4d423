/**
 * File sources and `floe load` against bad input, end to end through the built CLI: every
 * bad file gets an error or a quarantined row that names the file and line, the exit code is
 * non-zero when the run fails, no value is silently turned into NULL or dropped, and a failed
 * run leaves the table (or its absence) as it was.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const jsonlPipeline = (name: string, file: string, extra = '') =>
  `source: { kind: jsonl, path: ${file} }\ntarget: { table: raw.${name} }\n${extra}`;

describe('JSON Lines sources and bad lines', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
  });

  it('a value of another type and a key first seen past the reader sample are kept, not made NULL or dropped', async () => {
    const lines = Array.from({ length: 20_600 }, (_, i) => `{"id":${i},"day":"2024-01-01"}`);
    lines.push('{"id":"A-1","day":"2024-01-02"}', '{"id":20601,"day":"not a day"}', '{"id":20602,"day":"2024-01-03","late":"yes"}', '');
    await p.write('data/late.jsonl', lines.join('\n'));
    await p.pipeline('late', jsonlPipeline('late', 'data/late.jsonl'));
    await p.run(['late']);
    expect(await p.query(`SELECT id, day, late FROM raw.late WHERE id IN ('0', 'A-1', '20601', '20602') ORDER BY id`)).toEqual([
      { id: '0', day: '2024-01-01', late: null },
      { id: '20601', day: 'not a day', late: null },
      { id: '20602', day: '2024-01-03', late: 'yes' },
      { id: 'A-1', day: '2024-01-02', late: null },
    ]);
    expect(await p.query('SELECT count(*) AS n, count(id) AS ids, count(day) AS days FROM raw.late')).toEqual([{ n: 20_603, ids: 20_603, days: 20_603 }]);
  });

  it('lines that are not one object are quarantined with their line; the other rows keep their columns', async () => {
    // Mixed \r\n and \n endings, a blank line, an array, a scalar, a cut line and invalid UTF-8.
    const text = Buffer.concat([
      Buffer.from('{"id":1,"name":"a"}\r\n\n[1,2]\n42\n{"id":2,"name":"b"}\r\n{"id":3,"na\n{"id":4,"name":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n{"id":5,"name":"e"}\n'),
    ]);
    await p.write('data/mixed.jsonl', text as unknown as string);
    await p.pipeline('mixed', jsonlPipeline('mixed', 'data/mixed.jsonl', 'rejects: { max_ratio: 0.9 }\n'));
    await p.run(['mixed']);
    expect(await p.columns('raw.mixed')).toEqual(['id long', 'name string']);
    expect(await p.query('SELECT id, name FROM raw.mixed ORDER BY id')).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
      { id: 5, name: 'e' },
    ]);
    expect(await p.query('SELECT line, raw, reason FROM raw.mixed__rejects ORDER BY line')).toEqual([
      { line: 3, raw: '[1,2]', reason: 'not a JSON object (an array); each line must be one object' },
      { line: 4, raw: '42', reason: 'not a JSON object (a number); each line must be one object' },
      { line: 6, raw: '{"id":3,"na', reason: 'malformed JSON' },
      { line: 7, raw: '{"id":4,"name":"\uFFFD\uFFFD"}', reason: 'not valid UTF-8' },
    ]);
  });

  it('without a rejects limit, a line that is not an object fails the run and commits nothing', async () => {
    await p.write('data/good.jsonl', '{"id":1}\n');
    await p.pipeline('strict', jsonlPipeline('strict', 'data/good.jsonl'));
    await p.run(['strict']);
    const before = await p.snapshots('raw.strict');
    await p.write('data/good.jsonl', '{"id":2}\n"two"\n');
    const r = await p.run(['strict'], 1);
    expect(r.stderr).toMatch(/malformed|rows are malformed/);
    expect(await p.snapshots('raw.strict')).toEqual(before);
    expect(await p.query('SELECT id FROM raw.strict')).toEqual([{ id: 1 }]);
  });

  it('a value whose JSON type varies is text, strings without their quotes', async () => {
    await p.write('data/types.jsonl', '{"k":1,"v":10}\n{"k":2,"v":"ten"}\n{"k":3,"v":[1]}\n');
    await p.pipeline('types', jsonlPipeline('types', 'data/types.jsonl'));
    await p.run(['types']);
    expect(await p.query('SELECT k, v FROM raw.types ORDER BY k')).toEqual([
      { k: 1, v: '10' },
      { k: 2, v: 'ten' },
      { k: 3, v: '[1]' },
    ]);
  });

  it('an empty JSON Lines file fails naming it, and creates no table', async () => {
    await p.write('data/empty.jsonl', '');
    await p.pipeline('nothing', jsonlPipeline('nothing', 'data/empty.jsonl'));
    const r = await p.run(['nothing'], 1);
    expect(r.stderr).toContain(`no JSON object in ${p.path('data/empty.jsonl')}`);
    expect(await p.exists('raw.nothing')).toBe(false);
    const l = await p.floe(['load', 'raw.nothing', p.path('data/empty.jsonl')]);
    expect(l.code, show(l)).toBe(1);
    expect(l.stderr).toContain(`no JSON object in ${p.path('data/empty.jsonl')}`);
    expect(await p.exists('raw.nothing')).toBe(false);
  });

  it('floe load names the file and line of a JSON Lines line that is not an object, and creates nothing', async () => {
    await p.write('data/array.jsonl', '{"id":1}\n[1,2]\n{"id":3}\n');
    const r = await p.floe(['load', 'raw.arr', p.path('data/array.jsonl')]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(`${p.path('data/array.jsonl')}:2: not a JSON object (an array)`);
    expect(await p.exists('raw.arr')).toBe(false);
  });
});

describe('CSV sources and bad files', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
  });

  it('a zero-byte CSV fails a run and a load naming the file; no table with an invented column0 appears', async () => {
    await p.write('data/empty.csv', '');
    await p.pipeline('empty', 'source: { kind: csv, path: data/empty.csv }\ntarget: { table: raw.empty, mode: overwrite }\n');
    const r = await p.run(['empty'], 1);
    expect(r.stderr).toContain(`${p.path('data/empty.csv')} is empty (0 bytes)`);
    expect(await p.exists('raw.empty')).toBe(false);
    const l = await p.floe(['load', 'raw.empty', p.path('data/empty.csv')]);
    expect(l.code, show(l)).toBe(1);
    expect(l.stderr).toContain(`${p.path('data/empty.csv')} is empty (0 bytes)`);
    expect(await p.exists('raw.empty')).toBe(false);
  });

  it('an unterminated quote inside the sniffer sample fails the run naming the file and line; the table is unchanged', async () => {
    await p.write('data/orders.csv', 'id,name\n1,a\n');
    await p.pipeline('orders', 'source: { kind: csv, path: data/orders.csv }\ntarget: { table: raw.orders }\n');
    await p.run(['orders']);
    const before = await p.snapshots('raw.orders');
    await p.write('data/orders.csv', 'id,name\n2,b\n3,"c\n4,d\n');
    const r = await p.run(['orders'], 1);
    expect(r.stderr).toContain(`${p.path('data/orders.csv')}:3: Value with unterminated quote found`);
    expect(r.stderr).toMatch(/unterminated quote/);
    expect(await p.snapshots('raw.orders')).toEqual(before);
  });
});

describe('JSON documents and SQLite files that are not what they claim', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject();
  });

  it('a JSON document that is an array of scalars fails a run and a load naming the file and record; no single-column json table appears', async () => {
    await p.write('data/scalars.json', '[1, 2, 3]');
    await p.pipeline('scalars', 'source: { kind: json, path: data/scalars.json }\ntarget: { table: raw.scalars }\n');
    const r = await p.run(['scalars'], 1);
    expect(r.stderr).toContain(`${p.path('data/scalars.json')} (record 1): not a JSON object (a number); a JSON document must be an object or an array of objects`);
    const l = await p.floe(['load', 'raw.scalars', p.path('data/scalars.json')]);
    expect(l.code, show(l)).toBe(1);
    expect(l.stderr).toContain(`${p.path('data/scalars.json')} (record 1): not a JSON object (a number); a JSON document must be an object or an array of objects`);
    expect(await p.exists('raw.scalars')).toBe(false);
  });

  it('a records_path that is missing or not an array fails naming the file and the path', async () => {
    await p.write('data/api.json', '{"data": {"items": 5, "next": null}}');
    const cases: [string, string][] = [
      ['data.items', 'records_path "data.items" is a bigint, not an array of records'],
      ['data.rows', 'records_path "data.rows" is not in the documents (no key "rows")'],
      ['result.items', 'records_path "result.items" is not in the documents (no key "result")'],
    ];
    for (const [i, [path, message]] of cases.entries()) {
      await p.pipeline(`api${i}`, `source: { kind: json, path: data/api.json, records_path: ${path} }\ntarget: { table: raw.api${i} }\n`);
      const r = await p.run([`api${i}`], 1);
      expect(r.stderr).toContain(`${p.path('data/api.json')}: ${message}`);
      expect(await p.exists(`raw.api${i}`)).toBe(false);
    }
  });

  it('a zero-byte SQLite file is reported as empty, not as a missing table', async () => {
    await p.write('data/crm.db', '');
    await p.pipeline('crm', 'source: { kind: sqlite, connection: data/crm.db, table: contacts }\ntarget: { table: raw.crm }\n');
    const r = await p.run(['crm'], 1);
    expect(r.stderr).toContain(`SQLite database ${p.path('data/crm.db')} is empty (0 bytes)`);
    expect(await p.exists('raw.crm')).toBe(false);
  });
});
