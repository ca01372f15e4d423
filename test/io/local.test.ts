import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import type { FileInfo } from '../../src/io/fileio.js';
import { LocalFileIO, toLocalPath } from '../../src/io/local.js';
import { rejection } from '../helpers/rejection.js';

const root = mkdtempSync(join(tmpdir(), 'floe-local-io-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const io = new LocalFileIO();
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
let n = 0;
const fresh = () => join(root, `case-${n++}`);

async function collect(it: AsyncIterable<FileInfo>): Promise<string[]> {
  const out: string[] = [];
  for await (const f of it) out.push(f.location);
  return out;
}

/** Leftover temporary files of our atomic writes, anywhere under `dir`. */
function temps(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tmp$/.test(f));
}

describe('local locations', () => {
  it('accepts file:///abs, file:/abs (Java), file://localhost/abs and bare absolute paths', () => {
    expect(toLocalPath('file:///w/t/m.json')).toBe('/w/t/m.json');
    expect(toLocalPath('file:/w/t/m.json')).toBe('/w/t/m.json');
    expect(toLocalPath('file://localhost/w/t/m.json')).toBe('/w/t/m.json');
    expect(toLocalPath('/w/t/m.json')).toBe('/w/t/m.json');
    // Taken literally: writers do not percent-encode, so neither do we decode.
    expect(toLocalPath('file:///w/a%20b')).toBe('/w/a%20b');
  });

  it('refuses relative locations with a hint about --map-location', async () => {
    const e = await rejection(io.read('data/persistent/t/metadata/v1.json'));
    expect(e.kind).toBe('unsupported');
    expect(e.message).toContain('data/persistent/t/metadata/v1.json');
    expect(e.hint).toContain('--map-location');
    expect((await rejection(io.read('file://data/x.json'))).kind).toBe('unsupported');
  });
});

describe('LocalFileIO', () => {
  it('writes (creating folders) and reads back through every spelling', async () => {
    const dir = fresh();
    await io.write(`file://${dir}/a/b/c.json`, bytes('hello'));
    expect(readFileSync(join(dir, 'a/b/c.json'), 'utf8')).toBe('hello');
    expect(text(await io.read(`file:${dir}/a/b/c.json`))).toBe('hello');
    expect(text(await io.read(`${dir}/a/b/c.json`))).toBe('hello');
    expect(temps(dir)).toEqual([]);
  });

  it('create-only: a second write is a conflict and leaves the first content', async () => {
    const loc = `file://${fresh()}/metadata/00001-x.metadata.json`;
    await io.write(loc, bytes('first'), { createOnly: true });
    const e = await rejection(io.write(loc, bytes('second'), { createOnly: true }));
    expect(e.kind).toBe('conflict');
    expect(e.message).toContain(loc);
    expect(text(await io.read(loc))).toBe('first');
    expect(temps(toLocalPath(loc).replace(/\/metadata\/.*/, ''))).toEqual([]);
  });

  it('create-only: of many concurrent writers exactly one wins, and its content is whole', async () => {
    const dir = fresh();
    const loc = `${dir}/v2.metadata.json`;
    const payload = (i: number) => bytes(`writer-${i}:`.padEnd(50_000, String(i % 10)));
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => io.write(loc, payload(i), { createOnly: true })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as FloeError).kind).toBe('conflict');
    expect(await io.read(loc)).toEqual(payload(won[0]!));
    expect(temps(dir)).toEqual([]);
  });

  it('overwrites atomically: the final name never shows a partial file', async () => {
    const dir = fresh();
    const path = join(dir, 'big.bin');
    const size = 32 * 1024 * 1024;
    let writing = true;
    const sizes = new Set<number>();
    const watcher = (async () => {
      while (writing) {
        try {
          sizes.add(statSync(path).size);
        } catch {
          sizes.add(-1); // not there yet
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    await io.write(path, new Uint8Array(size).fill(7));
    await io.write(path, new Uint8Array(size).fill(8));
    writing = false;
    await watcher;
    for (const s of sizes) expect([-1, size]).toContain(s);
    expect((await io.readRange(path, size - 4, 4))).toEqual(new Uint8Array(4).fill(8));
    expect(temps(dir)).toEqual([]);
  });

  it('reports a failed write as an io error with the errno code, leaving nothing behind', async () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, 'file'), 'x');
    const e = await rejection(io.write(`${dir}/file/child.json`, bytes('y')));
    expect(e.kind).toBe('io');
    expect(e.message).toContain(`${dir}/file/child.json`);
    expect(e.context.code).toMatch(/ENOTDIR|EEXIST/);
    expect(temps(dir)).toEqual([]);
  });

  it('reads ranges, stats, checks existence and deletes', async () => {
    const loc = `file://${fresh()}/f.bin`;
    await io.write(loc, bytes('0123456789'));
    expect(text(await io.readRange(loc, 2, 3))).toBe('234');
    expect(text(await io.readRange(loc, 8, 10))).toBe('89');
    const info = await io.stat(loc);
    expect(info).toMatchObject({ location: loc, size: 10 });
    expect(Math.abs(info.lastModified - Date.now())).toBeLessThan(60_000);
    expect(await io.exists(loc)).toBe(true);
    await io.delete(loc);
    expect(await io.exists(loc)).toBe(false);
    await io.delete(loc); // already gone: fine
    expect(await io.exists(`${loc}/below-a-missing-file`)).toBe(false);
  });

  it('a missing file is not-found naming the location; other failures are io with the code', async () => {
    const dir = fresh();
    const missing = await rejection(io.read(`file://${dir}/nope.json`));
    expect(missing.kind).toBe('not-found');
    expect(missing.message).toContain(`file://${dir}/nope.json`);
    expect((await rejection(io.stat(`${dir}/nope.json`))).kind).toBe('not-found');
    expect((await rejection(io.readRange(`${dir}/nope.json`, 0, 1))).kind).toBe('not-found');
    mkdirSync(dir, { recursive: true });
    const isDir = await rejection(io.read(dir));
    expect(isDir.kind).toBe('io');
    expect(isDir.message).toContain('EISDIR');
    expect(isDir.context).toMatchObject({ location: dir, code: 'EISDIR' });
  });

  it('lists recursively and sorted, in the caller spelling, never reaching into a sibling folder', async () => {
    const dir = fresh();
    for (const f of ['t/metadata/v1.json', 't/data/b/2.parquet', 't/data/a/1.parquet', 't2/data/x.parquet', 'tx.txt']) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), f);
    }
    symlinkSync(join(dir, 't2'), join(dir, 't', 'loop')); // folder symlinks are not followed
    expect(await collect(io.list(`file://${dir}/t`))).toEqual([
      `file://${dir}/t/data/a/1.parquet`,
      `file://${dir}/t/data/b/2.parquet`,
      `file://${dir}/t/metadata/v1.json`,
    ]);
    expect(await collect(io.list(`file:${dir}/t/`))).toEqual([
      `file:${dir}/t/data/a/1.parquet`,
      `file:${dir}/t/data/b/2.parquet`,
      `file:${dir}/t/metadata/v1.json`,
    ]);
    // Not a folder: object-store style prefix over names in the parent.
    expect(await collect(io.list(`${dir}/t/data/a/1`))).toEqual([`${dir}/t/data/a/1.parquet`]);
    expect(await collect(io.list(`${dir}/t`))).not.toContain(`${dir}/t2/data/x.parquet`);
    expect(await collect(io.list(`${dir}/tx`))).toEqual([`${dir}/tx.txt`]);
    expect(await collect(io.list(`${dir}/missing/`))).toEqual([]);
    expect(await collect(io.list(`${dir}/missing`))).toEqual([]);
    const sizes = [];
    for await (const f of io.list(`${dir}/t/metadata`)) sizes.push(f.size);
    expect(sizes).toEqual(['t/metadata/v1.json'.length]);
  });

  it('gives DuckDB the file itself, and moves finished local files into place', async () => {
    const dir = fresh();
    expect(await io.localPath(`file://${dir}/x.parquet`)).toBe(`${dir}/x.parquet`);
    mkdirSync(dir);
    const staged = join(dir, 'staged.parquet');
    writeFileSync(staged, 'PAR1');
    await io.putLocalFile(staged, `file://${dir}/table/data/part-0.parquet`);
    expect(readFileSync(join(dir, 'table/data/part-0.parquet'), 'utf8')).toBe('PAR1');
    expect(() => statSync(staged)).toThrow();
    expect((await rejection(io.putLocalFile(staged, `${dir}/again.parquet`))).kind).toBe('not-found');
  });
});
