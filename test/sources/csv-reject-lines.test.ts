/**
 * CSV rejects carry the physical line their record starts on: conversion rejects (a value
 * that does not convert to its declared type) and parse rejects (too many fields), in the
 * `__rejects` table and in the over-limit error, past quoted fields holding newlines, blank
 * lines, CRLF endings, `skip` lines, a header, and across the files of a glob.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, events, type Project, type RunResult, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

const pipeline = (name: string, path: string, extra: string[] = []) =>
  [
    `source: { kind: csv, path: ${path}${extra.length ? `, ${extra.join(', ')}` : ''} }`,
    'columns:',
    '  amount: { type: "decimal(10,2)" }',
    `target: { table: shop.${name} }`,
    'rejects: { max_ratio: 0.9 }',
    '',
  ].join('\n');

describe('CSV reject lines', () => {
  let p: Project;
  let first: RunResult;
  beforeAll(async () => {
    p = await newProject();
    await p.write(
      'data/notes.csv',
      [
        'id,note,amount', // 1
        '1,plain,1.50', // 2
        '2,"two', // 3: a quoted field over three lines
        'more',
        'lines",2.00', // 5
        '', // 6: blank
        '3,bad amount,abc', // 7: does not convert
        '4,"a ""quoted"" word",4.00', // 8
        '5,too,many,fields', // 9: parse reject
        '6,"x', // 10
        '",oops', // 11: does not convert, record starts on line 10
        '7,last,7.00', // 12
        '',
      ].join('\n'),
    );
    await p.pipeline('notes', pipeline('notes', 'data/notes.csv'));
    // CRLF, two lines skipped (one with a stray quote) before the header.
    await p.write('data/skipped.csv', ['exported by "tool', 'on monday', 'id,amount', '1,1.00', '2,"x\r\ny"', '3,3.00', ''].join('\r\n'));
    await p.pipeline('skipped', pipeline('skipped', 'data/skipped.csv', ['skip: 2']));
    // A glob over two files: the line is in the file the row came from.
    await p.write('data/parts/a.csv', ['id,note,amount', '1,a,1.00', '2,"b', 'c",2.00', '3,d,nope', ''].join('\n'));
    await p.write('data/parts/b.csv', ['id,note,amount', '4,e,4.00', '5,f,also bad', '6,g,x,y', '7,h,huh', ''].join('\n'));
    await p.pipeline('parts', pipeline('parts', 'data/parts/*.csv'));
    // Without a header, with a backslash escape.
    await p.write('data/bare.csv', ['1,"say \\"hi\\"\nthere",1.00', '2,x,y', ''].join('\n'));
    await p.pipeline(
      'bare',
      [
        'source: { kind: csv, path: data/bare.csv, header: false, escape: "\\\\" }',
        'columns:',
        '  column2: { type: "decimal(10,2)" }',
        'target: { table: shop.bare }',
        'rejects: { max_ratio: 0.9 }',
        '',
      ].join('\n'),
    );
    first = await p.floe(['run', '--all', '--json']);
  });

  it('every pipeline commits', () => {
    for (const name of ['notes', 'skipped', 'parts', 'bare']) expect(events(first.stdout).find((e) => e.event === 'commit' && e.pipeline === name), `${name}\n${show(first)}`).toBeDefined();
  });

  it('conversion and parse rejects name the line their record starts on, past multi-line quoted fields and blank lines', async () => {
    const rows = await p.query('SELECT source, line, reason FROM shop.notes__rejects ORDER BY line');
    expect(rows.map((r) => [r.source, r.line])).toEqual([
      [p.path('data/notes.csv'), 7],
      [p.path('data/notes.csv'), 9],
      [p.path('data/notes.csv'), 10],
    ]);
    expect(String(rows[0]!.reason)).toContain('column amount: cannot convert abc');
    expect(String(rows[1]!.reason)).toMatch(/too many columns/i);
    expect(await p.query('SELECT id, amount FROM shop.notes ORDER BY id')).toEqual([
      { id: 1, amount: '1.50' },
      { id: 2, amount: '2.00' },
      { id: 4, amount: '4.00' },
      { id: 7, amount: '7.00' },
    ]);
  });

  it('skip lines and CRLF endings count as the lines they are', async () => {
    expect(await p.query('SELECT source, line FROM shop.skipped__rejects')).toEqual([{ source: p.path('data/skipped.csv'), line: 5 }]);
  });

  it('across a glob, each reject names its own file and that file\'s line', async () => {
    expect(await p.query('SELECT source, line FROM shop.parts__rejects ORDER BY source, line')).toEqual([
      { source: p.path('data/parts/a.csv'), line: 5 },
      { source: p.path('data/parts/b.csv'), line: 3 },
      { source: p.path('data/parts/b.csv'), line: 4 },
      { source: p.path('data/parts/b.csv'), line: 5 },
    ]);
  });

  it('without a header and with a backslash escape, lines still match', async () => {
    expect(await p.query('SELECT line FROM shop.bare__rejects')).toEqual([{ line: 3 }]);
  });

  it('over the limit, the error names file:line of the first conversion reject', async () => {
    await p.write('data/strict.csv', ['id,amount', '1,"1.00"', '2,"x', 'y"', '3,3.00', ''].join('\n'));
    await p.pipeline('strict', 'source: { kind: csv, path: data/strict.csv }\ncolumns:\n  amount: { type: "decimal(10,2)" }\ntarget: { table: shop.strict }\n');
    const r = await p.run(['strict'], 1);
    expect(r.stderr, show(r)).toContain(`(the first: ${p.path('data/strict.csv')}:3: column amount: cannot convert`);
    expect(await p.exists('shop.strict')).toBe(false);
  });
});
