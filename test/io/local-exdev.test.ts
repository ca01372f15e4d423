/**
 * putLocalFile across file systems: DuckDB's spill folder may sit on another device than
 * the warehouse, where rename() fails with EXDEV. rename is made to fail that way here, so
 * the copy path runs on any machine.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const seen = vi.hoisted(() => ({ exdev: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    rename: async (from: string, to: string) => {
      if (from.includes('/spill/')) seen.exdev++;
      if (from.includes('/spill/')) throw Object.assign(new Error('cross-device link not permitted'), { code: 'EXDEV' });
      return real.rename(from, to);
    },
  };
});

const { LocalFileIO } = await import('../../src/io/local.js');
const root = mkdtempSync(join(tmpdir(), 'floe-exdev-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('LocalFileIO.putLocalFile across devices', () => {
  it('copies to a temporary name, renames it into place and removes the source', async () => {
    mkdirSync(join(root, 'spill'));
    const staged = join(root, 'spill', 'part.parquet');
    writeFileSync(staged, 'PAR1 data PAR1');
    await new LocalFileIO().putLocalFile(staged, `file://${root}/wh/t/data/part.parquet`);
    expect(readFileSync(join(root, 'wh/t/data/part.parquet'), 'utf8')).toBe('PAR1 data PAR1');
    expect(seen.exdev).toBe(1);
    expect(readdirSync(join(root, 'spill'))).toEqual([]);
    expect(readdirSync(join(root, 'wh/t/data'))).toEqual(['part.parquet']);
  });
});
