/**
 * Integers a double cannot hold, in JSON read by the http, jsonl and json sources and by
 * `floe load`. DuckDB's reader types an integer beyond 64 bits, or any number in a column that
 * also holds a fraction, as DOUBLE: 123456789012345678901234567890 became
 * 123456789012345677877719597056 and 9007199254740993 became 9007199254740992 without a word.
 * Now such a column is read again from the records' text: decimal(38, 0) when all its values
 * are integers of up to 38 digits, else the numbers as written (string); a pipeline's
 * `columns:` type converts from that exact value, and a long column refuses a value beyond 64
 * bits naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeLocal, listenLocal, routedServer, usePrivateTmpdir } from '../helpers/local-http.js';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

usePrivateTmpdir('floe-review-big-int-');
beforeAll(assertBuilt);
const newProject = useProjects();

const HUGE = '123456789012345678901234567890';
const ODD = '9007199254740993'; // 2^53 + 1: the smallest integer a double rounds
const FORTY = '1234567890123456789012345678901234567890';
// Written by hand: JSON.stringify would round them before the server sends them.
const PAGES = [
  `{"data": [{"id": ${HUGE}, "amount": ${ODD}, "wide": ${FORTY}, "n": 1}]}`,
  `{"data": [{"id": 5, "amount": 0.5, "wide": 2, "n": 2}, {"id": null, "amount": null, "wide": null, "n": 3}]}`,
  `{"data": []}`,
];
const { server, routes } = routedServer<(url: URL) => string>((h, _req, res, url) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(h(url));
});
routes.set('/big', (url) => PAGES[Number(url.searchParams.get('page')) - 1] ?? PAGES[2]!);
let origin = '';
beforeAll(async () => {
  origin = await listenLocal(server);
});
afterAll(() => closeLocal(server));

const http = (columns = '') =>
  ['source:', '  kind: http', `  url: ${origin}/big`, '  records_path: data', '  pagination: { kind: page }', 'target: { table: raw.big }', columns, ''].join('\n');
const asText = 'SELECT CAST(id AS VARCHAR) AS id, CAST(amount AS VARCHAR) AS amount, CAST(wide AS VARCHAR) AS wide FROM raw.big ORDER BY n';
const EXACT = [
  { id: HUGE, amount: ODD, wide: FORTY },
  { id: '5', amount: '0.5', wide: '2' },
  { id: null, amount: null, wide: null },
];

describe('integers a double cannot hold', () => {
  it('http: inferred, they are decimal(38, 0) or the number as written, never rounded', async () => {
    const p = await newProject();
    await p.pipeline('big', http());
    await p.run(['big'], 0);
    expect(await p.columns('raw.big')).toEqual(['id decimal(38, 0)', 'amount string', 'wide string', 'n long']);
    expect(await p.query(asText)).toEqual(EXACT);
  });

  it('http: declared types convert from the exact value; a long column refuses one beyond 64 bits, naming it', async () => {
    const p = await newProject();
    await p.pipeline('big', http('columns: { id: { type: string }, amount: { type: "decimal(20, 1)" }, wide: { type: "decimal(38, 0)" } }'));
    const r = await p.floe(['run', 'big']);
    // 40 digits do not fit decimal(38, 0): a conversion failure naming the value, not a rounded number.
    expect(r.code, show(r)).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(`column wide: cannot convert ${FORTY} to decimal(38, 0)`);

    await p.pipeline('big', http('columns: { id: { type: string }, amount: { type: "decimal(20, 1)" }, wide: { type: string } }'));
    await p.run(['big'], 0);
    expect(await p.query(asText)).toEqual([
      { id: HUGE, amount: `${ODD}.0`, wide: FORTY },
      { id: '5', amount: '0.5', wide: '2' },
      { id: null, amount: null, wide: null },
    ]);

    const q = await newProject();
    await q.pipeline('big', http('columns: { id: { type: long } }'));
    const l = await q.floe(['run', 'big']);
    expect(l.code, show(l)).not.toBe(0);
    expect(l.stdout + l.stderr).toContain(`column id: cannot convert ${HUGE} to long`);
  });

  it('jsonl and json sources, and floe load of JSON Lines, keep them exact', async () => {
    const p = await newProject();
    const lines = `${PAGES[0]!.slice(10, -2)}\n${PAGES[1]!.slice(10, -2).replace('}, {', '}\n{')}\n`;
    await p.write('data/big.jsonl', lines);
    await p.write('data/big.json', `[${lines.trim().split('\n').join(',')}]`);
    await p.pipeline('big', ['source: { kind: jsonl, path: data/big.jsonl }', 'target: { table: raw.big }', ''].join('\n'));
    await p.run(['big'], 0);
    expect(await p.query(asText)).toEqual(EXACT);
    await p.pipeline('big', ['source: { kind: json, path: data/big.json }', 'target: { table: raw.big, mode: overwrite }', ''].join('\n'));
    await p.run(['big'], 0);
    expect(await p.query(asText)).toEqual(EXACT);

    const load = await p.floe(['load', 'raw.loaded', p.path('data/big.jsonl')]);
    expect(load.code, show(load)).toBe(0);
    expect(await p.columns('raw.loaded')).toEqual(['id decimal(38, 0)', 'amount string', 'wide string', 'n long']);
    expect(await p.query(asText.replace('raw.big', 'raw.loaded'))).toEqual(EXACT);
  });
});
