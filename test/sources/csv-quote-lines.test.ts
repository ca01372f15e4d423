/**
 * The physical line of a CSV reject when quote characters are not all field quotes: a quote
 * inside an unquoted field (`5" screen`), which DuckDB reads as text, and, with a backslash
 * escape, escaped quotes and escaped escapes inside quoted fields that span lines and an
 * escaped escape before a quote outside one. Counting every quote character, as the line map
 * did, took `5" screen` for the start of a quoted field and shifted every later line.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const pipeline = (name: string, extra: string) =>
  [`source: { kind: csv, path: data/${name}.csv, delimiter: ",", ${extra} }`, 'columns:', '  amount: { type: "decimal(10,2)" }', `target: { table: shop.${name} }`, 'rejects: { max_ratio: 0.9 }', ''].join('\n');

describe('CSV reject lines past quotes that are not field quotes', () => {
  it('with a backslash escape', async () => {
    const p = await newProject();
    await p.write(
      'data/esc.csv',
      [
        'id,note,amount', // 1
        '1,5" screen,"1.00"', // 2: a quote inside an unquoted field is text
        '2,"say \\"hi\\"', // 3: escaped quotes, the field goes on
        'there \\\\",2.00', // 4: an escaped backslash, then the closing quote
        '3,a\\\\"b,3.00', // 5: unquoted, an escaped escape and a quote: text
        '4,plain,bad', // 6: does not convert
        '5,"x\\\\\\"', // 7: an escaped escape and an escaped quote, the field goes on
        'y",5.00', // 8
        '6,z,worse', // 9: does not convert
        '',
      ].join('\n'),
    );
    await p.pipeline('esc', pipeline('esc', 'quote: "\\"", escape: "\\\\"'));
    const r = await p.floe(['run', 'esc']);
    expect(r.code, show(r)).toBe(0);
    expect(await p.query('SELECT line FROM shop.esc__rejects ORDER BY line')).toEqual([{ line: 6 }, { line: 9 }]);
    expect(await p.query('SELECT id, note FROM shop.esc ORDER BY id')).toEqual([
      { id: 1, note: '5" screen' },
      { id: 2, note: 'say "hi"\nthere \\' },
      { id: 3, note: 'a\\\\"b' },
      { id: 5, note: 'x\\"\ny' },
    ]);
  });

  it('with the quote as its own escape', async () => {
    const p = await newProject();
    await p.write('data/dbl.csv', ['id,note,amount', '1,"a,""",1.00', '2,12" pipe,2.00', '3,",",bad', '4,"m', 'n",x', ''].join('\n'));
    await p.pipeline('dbl', pipeline('dbl', 'quote: "\\""'));
    const r = await p.floe(['run', 'dbl']);
    expect(r.code, show(r)).toBe(0);
    expect(await p.query('SELECT line FROM shop.dbl__rejects ORDER BY line')).toEqual([{ line: 4 }, { line: 5 }]);
  });
});
