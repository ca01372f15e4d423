import { readFileSync, writeFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryFileIO } from '../../src/io/memory.js';
import { rejection } from '../helpers/rejection.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('MemoryFileIO', () => {
  it('behaves like a FileIO: create-only conflicts, not-found, ranges, prefix listing', async () => {
    const io = new MemoryFileIO();
    await io.write('mem://w/t/metadata/v1.json', bytes('one'), { createOnly: true });
    const conflict = await rejection(io.write('mem://w/t/metadata/v1.json', bytes('two'), { createOnly: true }));
    expect(conflict.kind).toBe('conflict');
    expect(new TextDecoder().decode(await io.read('mem://w/t/metadata/v1.json'))).toBe('one');
    await io.write('mem://w/t/data/b.parquet', bytes('0123456789'));
    await io.write('mem://w/t2/data/c.parquet', bytes('c'));
    expect(await io.readRange('mem://w/t/data/b.parquet', 3, 4)).toEqual(bytes('3456'));
    expect(await io.stat('mem://w/t/data/b.parquet')).toMatchObject({ size: 10 });
    const listed = [];
    for await (const f of io.list('mem://w/t/')) listed.push(f.location);
    expect(listed).toEqual(['mem://w/t/data/b.parquet', 'mem://w/t/metadata/v1.json']);
    const missing = await rejection(io.read('mem://w/nope'));
    expect(missing.kind).toBe('not-found');
    expect(missing.message).toContain('mem://w/nope');
    await io.delete('mem://w/nope');
    await io.delete('mem://w/t2/data/c.parquet');
    expect(await io.exists('mem://w/t2/data/c.parquet')).toBe(false);
  });

  it('keeps its own copies of the bytes', async () => {
    const io = new MemoryFileIO();
    const buf = bytes('abc');
    await io.write('m://x', buf);
    buf[0] = 0;
    const read = await io.read('m://x');
    read[1] = 0;
    expect(await io.read('m://x')).toEqual(bytes('abc'));
  });

  it('stages files on disk for DuckDB and takes local files in', async () => {
    const io = new MemoryFileIO();
    await io.write('m://w/a.parquet', bytes('PAR1'));
    const path = await io.localPath('m://w/a.parquet');
    expect(readFileSync(path, 'utf8')).toBe('PAR1');
    const dir = mkdtempSync(join(tmpdir(), 'floe-mem-'));
    const local = join(dir, 'out.parquet');
    writeFileSync(local, 'DATA');
    await io.putLocalFile(local, 'm://w/b.parquet');
    expect(new TextDecoder().decode(await io.read('m://w/b.parquet'))).toBe('DATA');
    expect(existsSync(local)).toBe(false);
    expect(io.locations()).toEqual(['m://w/a.parquet', 'm://w/b.parquet']);
    await io.dispose();
    expect(existsSync(path)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
