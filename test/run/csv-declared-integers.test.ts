/**
 * A CSV source's `columns:` declaring a column `long`, `int` or `decimal(P, S)`: DuckDB's CSV reader casts the
 * text to the declared type by rounding (`10.5` read as 11) and reads `0x1F` as 31, without a
 * word. Such a column is now read as text and typed by an implied pipeline rule, so a fraction
 * or hex text is a row reject with its line (the run fails without `rejects:`), integers of 64
 * bits stay exact, and an `int` out of range is a reject too. The incremental cursor keeps the
 * declared read. A decimal column rounded extra fraction digits (`1.234` → 1.23) the same way.
 * A value is judged by its digits, not as a double: `9223372036854775806.5` and a 31-digit
 * decimal with one fraction digit too many round to the same double as their cast.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const CSV = ['id,qty', '1,5', '2,10.5', '3,0x1F', '4,007', '5,9223372036854775807', '6,', '7,-3', ''].join('\n');

describe('csv source columns declared long or int', () => {
  it('long: a fraction and hex text are rejects with their lines; the rest is exact', async () => {
    const p = await newProject();
    const file = await p.write('data/q.csv', CSV);
    await p.pipeline('q', 'source: { kind: csv, path: data/q.csv, columns: { qty: long } }\ntarget: { table: raw.q }\nrejects: { max_ratio: 0.5 }\n');
    const r = await p.run(['q', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit'), show(r)).toMatchObject({ rows_written: 5, rejects: 2 });
    const rows = await p.query('SELECT id, CAST(qty AS VARCHAR) AS qty FROM raw.q ORDER BY id');
    expect(rows).toEqual([
      { id: 1, qty: '5' },
      { id: 4, qty: '7' },
      { id: 5, qty: '9223372036854775807' },
      { id: 6, qty: null },
      { id: 7, qty: '-3' },
    ]);
    expect(await p.query('SELECT DISTINCT typeof(qty) AS t FROM raw.q')).toEqual([{ t: 'BIGINT' }]);
    const rejects = await p.query('SELECT source, line, raw, reason FROM raw.q__rejects ORDER BY line');
    // A rule's reject keeps the row as read, as JSON.
    expect(rejects.map((x) => [x.source, x.line, JSON.parse(String(x.raw))])).toEqual([
      [file, 3, { id: 2, qty: '10.5' }],
      [file, 4, { id: 3, qty: '0x1F' }],
    ]);
    expect(String(rejects[0]!.reason)).toContain('column qty: cannot convert 10.5 to long');
  });

  it('long without rejects: the run fails naming the file, line and value, and writes nothing', async () => {
    const p = await newProject();
    const file = await p.write('data/q.csv', ['id,qty', '1,5', '2,10.5', ''].join('\n'));
    await p.pipeline('q', 'source: { kind: csv, path: data/q.csv, columns: { qty: long } }\ntarget: { table: raw.q }\n');
    const r = await p.floe(['run', 'q']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/line 3|:3\b/);
    expect(r.stderr).toContain('10.5');
    expect(await p.tables()).not.toContain('raw.q');
  });

  it('int: a value beyond 32 bits is a reject, not an error of the whole read', async () => {
    const p = await newProject();
    await p.write('data/i.csv', ['id,n', '1,2147483647', '2,2147483648', '3,4.0', ''].join('\n'));
    await p.pipeline('i', 'source: { kind: csv, path: data/i.csv, columns: { n: int } }\ntarget: { table: raw.i }\nrejects: { max_ratio: 0.5 }\n');
    const r = await p.run(['i', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit'), show(r)).toMatchObject({ rows_written: 2, rejects: 1 });
    expect(await p.query('SELECT id, n FROM raw.i ORDER BY id')).toEqual([
      { id: 1, n: 2147483647 },
      { id: 3, n: 4 },
    ]);
    expect(await p.query('SELECT line FROM raw.i__rejects')).toEqual([{ line: 3 }]);
  });

  it('a declared name that differs from the header only in case is matched, as DuckDB matches it', async () => {
    const p = await newProject();
    await p.write('data/u.csv', ['ID,Qty', '1,5', '2,10.5', ''].join('\n'));
    await p.pipeline('u', 'source: { kind: csv, path: data/u.csv, columns: { id: long, qty: long } }\ntarget: { table: raw.u }\nrejects: { max_ratio: 0.5 }\n');
    const r = await p.run(['u', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit'), show(r)).toMatchObject({ rows_written: 1, rejects: 1 });
    expect(await p.query('SELECT "ID" AS id, "Qty" AS qty FROM raw.u')).toEqual([{ id: 1, qty: 5 }]);
    const plan = await p.floe(['plan', 'u']);
    expect(plan.code, show(plan)).toBe(0);
  });

  it('a rule renaming the column keeps the check; the declared cursor column is compared as declared', async () => {
    const p = await newProject();
    await p.write('data/c.csv', ['seq,qty', '1,5', '2,10.5', '3,6', ''].join('\n'));
    await p.pipeline(
      'c',
      ['source: { kind: csv, path: data/c.csv, columns: { seq: long, qty: long }, incremental: { cursor: seq } }', 'columns:', '  qty: { rename: amount }', 'target: { table: raw.c }', 'rejects: { max_ratio: 0.5 }', ''].join('\n'),
    );
    const r = await p.run(['c', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit'), show(r)).toMatchObject({ rows_written: 2, rejects: 1 });
    expect(await p.query('SELECT seq, amount FROM raw.c ORDER BY seq')).toEqual([
      { seq: 1, amount: 5 },
      { seq: 3, amount: 6 },
    ]);
    // The cursor stayed a number: a second run of the same file reads nothing new.
    const again = await p.run(['c', '--json']);
    expect(events(again.stdout).find((e) => e.event === 'commit' || e.event === 'skip' || e.event === 'done'), show(again)).toBeDefined();
    expect(await p.query('SELECT count(*) AS n FROM raw.c')).toEqual([{ n: 2 }]);
  });

  it('decimal: more fraction digits than the scale, or more digits than the precision, are rejects', async () => {
    const p = await newProject();
    const file = await p.write('data/d.csv', ['id,amt', '1,1.25', '2,1.234', '3,1.2500', '4,12345678.5', '5,-.5', '6,2.5e1', '7,abc', ''].join('\n'));
    await p.pipeline('d', 'source: { kind: csv, path: data/d.csv, columns: { amt: "decimal(9, 2)" } }\ntarget: { table: raw.d }\nrejects: { max_ratio: 0.6 }\n');
    const r = await p.run(['d', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit'), show(r)).toMatchObject({ rows_written: 4, rejects: 3 });
    expect(await p.query('SELECT id, CAST(amt AS VARCHAR) AS amt, typeof(amt) AS t FROM raw.d ORDER BY id')).toEqual([
      { id: 1, amt: '1.25', t: 'DECIMAL(9,2)' },
      { id: 3, amt: '1.25', t: 'DECIMAL(9,2)' },
      { id: 5, amt: '-0.50', t: 'DECIMAL(9,2)' },
      { id: 6, amt: '25.00', t: 'DECIMAL(9,2)' },
    ]);
    const rejects = await p.query('SELECT source, line, reason FROM raw.d__rejects ORDER BY line');
    expect(rejects.map((x) => [x.source, x.line])).toEqual([
      [file, 3],
      [file, 5],
      [file, 8],
    ]);
    expect(String(rejects[0]!.reason)).toContain('column amt: cannot convert 1.234 to decimal(9, 2)');
  });

  it('digits beyond a double: a fraction on a long near 2^63 and a 38-digit decimal with one digit too many are rejects', async () => {
    const p = await newProject();
    await p.write('data/w.csv', ['id,n,amt', '1,9223372036854775806.0,12345678901234567890.1234567890', '2,9223372036854775806.5,1', '3,1,12345678901234567890.12345678901', ''].join('\n'));
    await p.pipeline('w', 'source: { kind: csv, path: data/w.csv, columns: { n: long, amt: "decimal(38, 10)" } }\ntarget: { table: raw.w }\nrejects: { max_ratio: 0.7 }\n');
    const r = await p.run(['w', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit'), show(r)).toMatchObject({ rows_written: 1, rejects: 2 });
    expect(await p.query('SELECT id, CAST(n AS VARCHAR) AS n, CAST(amt AS VARCHAR) AS amt FROM raw.w')).toEqual([
      { id: 1, n: '9223372036854775806', amt: '12345678901234567890.1234567890' },
    ]);
    const reasons = (await p.query('SELECT reason FROM raw.w__rejects ORDER BY line')).map((x) => String(x.reason));
    expect(reasons[0]).toContain('cannot convert 9223372036854775806.5 to long');
    expect(reasons[1]).toContain('cannot convert 12345678901234567890.12345678901 to decimal(38, 10)');
  });

  it('a pipeline rule typing a JSON number as long judges it by its digits too', async () => {
    const p = await newProject();
    await p.write('data/j.jsonl', ['{"id": 1, "n": "9223372036854775806.5"}', '{"id": 2, "n": "42"}', ''].join('\n'));
    await p.pipeline('j', 'source: { kind: json, path: data/j.jsonl }\ncolumns:\n  n: { type: long }\ntarget: { table: raw.j }\nrejects: { max_ratio: 0.6 }\n');
    const r = await p.run(['j', '--json']);
    expect(events(r.stdout).find((e) => e.event === 'commit'), show(r)).toMatchObject({ rows_written: 1, rejects: 1 });
    expect(await p.query('SELECT id, n FROM raw.j')).toEqual([{ id: 2, n: 42 }]);
  });
});
