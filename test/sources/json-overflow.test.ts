/**
 * JSON numbers beyond a double's range (`1e400`) were stored as Infinity without a word by
 * `json` documents, http records and `floe load` of JSON files. The search (sources/json-
 * overflow.ts) tells numbers from text in strings, reads a file in pieces that may cut a
 * token anywhere, and gives the line and column of the first such number.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { overflowingNumberIn, overflowingNumberInFile, refuseOverflowingNumbers } from '../../src/sources/json-overflow.js';
import { FloeError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-json-overflow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('numbers beyond a double in JSON text', () => {
  it('finds the first one outside strings, with its line and column', () => {
    expect(overflowingNumberIn('{"a": 1e300, "b": "1e400", "c\\"": "x\\\\", "d": [1,\n  -2.5E+401]}')).toEqual({ literal: '-2.5E+401', line: 2, column: 3 });
    expect(overflowingNumberIn(`{"n": ${'9'.repeat(309)}}`)).toEqual({ literal: '9'.repeat(309), line: 1, column: 7 });
  });

  it('leaves finite numbers, tiny ones, long fractions and text alone', () => {
    expect(overflowingNumberIn('{"a": 1.7976931348623157e308, "b": 1e-400, "c": 0.' + '0'.repeat(400) + '1, "d": "' + '9'.repeat(400) + '", "e": NaN, "f": -Infinity}')).toBeUndefined();
    expect(overflowingNumberIn('[1,2,3]')).toBeUndefined();
  });

  it('finds it in a file read in pieces, wherever a piece ends', async () => {
    // Two fillers of about 1 MiB: the 9-character number starts 11 bytes before the end of the
    // reader's second 1 MiB piece (d = 0) and moves on by 2 bytes a step, so the piece ends
    // after it, at its end, inside it (d = 2..5) and before it (d = 6).
    for (let d = 0; d <= 6; d++) {
      const filler = `{"s": "${'x'.repeat((1 << 20) - 20 + d)}"},\n`;
      const file = join(dir, `big-${d}.json`);
      writeFileSync(file, `[${filler}${filler}{"v": 12345e400},\n{"w": "1e999"}]`);
      expect(await overflowingNumberInFile(file)).toEqual({ literal: '12345e400', line: 3, column: 7 });
    }
    // A piece that ends after `1e` or `1e+`, or after `1.`: the token is held over whole.
    for (const cut of ['1e', '1e+', '1.']) {
      const head = `[{"s": "${'x'.repeat((1 << 20) - 12 - cut.length)}"}, `;
      expect(Buffer.byteLength(head + cut)).toBe(1 << 20);
      const file = join(dir, `cut-${cut.length}-${cut.at(-1) === '.' ? 'dot' : 'e'}.json`);
      const rest = cut === '1.' ? '5e400]' : '400]';
      writeFileSync(file, head + cut + rest);
      expect(await overflowingNumberInFile(file), cut).toEqual({ literal: cut + rest.slice(0, -1), line: 1, column: head.length + 1 });
    }
    const clean = join(dir, 'clean.json');
    writeFileSync(clean, `[{"s": "1e400"}, {"n": 1e308}]`);
    expect(await overflowingNumberInFile(clean)).toBeUndefined();
  });

  it('reads a .gz file through gunzip; a long integer part with a short exponent is found', async () => {
    const gz = join(dir, 'doc.json.gz');
    writeFileSync(gz, gzipSync(Buffer.from('[{"id": 1},\n {"id": 2, "x": 1e400}]')));
    expect(await overflowingNumberInFile(gz)).toEqual({ literal: '1e400', line: 2, column: 17 });
    const long = `1${'0'.repeat(250)}e99`;
    expect(overflowingNumberIn(`{"n": ${long}}`)).toEqual({ literal: long, line: 1, column: 7 });
  });

  it('refuses the file naming it by its location, line and column', async () => {
    const file = join(dir, 'doc.json');
    writeFileSync(file, '[\n {"id": 1, "x": 1e400}\n]\n');
    const e = await refuseOverflowingNumbers([file], () => 's3://bucket/doc.json').then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).kind).toBe('source');
    expect((e as FloeError).message).toBe("s3://bucket/doc.json:2:17: the number 1e400 is beyond a double's range; it would be stored as infinity");
  });
});
