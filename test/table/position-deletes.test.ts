import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/errors.js';
import { DataFileContent, type DataFile } from '../../src/iceberg/types.js';
import type { ScanTask } from '../../src/table/delete-index.js';
import { DELETE_POS_SCHEMA, deleteGranularity, groupByPartition, mergeWriteMode, positionDeleteSummary } from '../../src/table/position-deletes.js';

const file = (path: string, partition: DataFile['partition'], content = DataFileContent.DATA, rows = 1n): DataFile => ({
  content, file_path: path, file_format: 'PARQUET', partition, record_count: rows, file_size_in_bytes: 10n,
});
const task = (path: string, specId: number, partition: DataFile['partition']): ScanTask => ({ file: file(path, partition), dataSequenceNumber: 1n, specId, deletes: [] });

describe('position delete files', () => {
  it('have the spec schema: file_path 2147483546 string, pos 2147483545 long, both required', () => {
    expect(DELETE_POS_SCHEMA.fields.map((f) => [f.name, f.id, f.type, f.required])).toEqual([
      ['file_path', 2147483546, 'string', true],
      ['pos', 2147483545, 'long', true],
    ]);
  });

  it('write.merge.mode: copy-on-write by default, merge-on-read when set, else a config error naming the table', () => {
    expect(mergeWriteMode({}, 'a.b')).toBe('copy-on-write');
    expect(mergeWriteMode({ 'write.merge.mode': 'copy-on-write' }, 'a.b')).toBe('copy-on-write');
    expect(mergeWriteMode({ 'write.merge.mode': 'merge-on-read' }, 'a.b')).toBe('merge-on-read');
    const e = (() => { try { mergeWriteMode({ 'write.merge.mode': 'mor' }, 'a.b'); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(FloeError);
    expect((e as FloeError).kind).toBe('config');
    expect((e as FloeError).message).toContain('a.b');
  });

  it('write.delete.granularity: file by default, partition when set', () => {
    expect(deleteGranularity({}, 't')).toBe('file');
    expect(deleteGranularity({ 'write.delete.granularity': 'partition' }, 't')).toBe('partition');
    expect(() => deleteGranularity({ 'write.delete.granularity': 'row' }, 't')).toThrow(/write\.delete\.granularity.*"row"/);
  });

  it('groups the hit data files by spec id and partition tuple, skipping files without deletes', () => {
    const tasks = [task('a', 0, [1]), task('b', 0, [2]), task('c', 0, [1]), task('d', 1, [1]), task('e', 0, [1])];
    const groups = groupByPartition(tasks, new Set(['a', 'b', 'c', 'd']));
    expect(groups.map((g) => [g.specId, g.dataFiles.map((f) => f.file_path)])).toEqual([
      [0, ['a', 'c']],
      [0, ['b']],
      [1, ['d']],
    ]);
  });

  it('summary: added-position-delete-files counts position delete files only', () => {
    expect(positionDeleteSummary([])).toEqual({});
    expect(positionDeleteSummary([file('x', [], DataFileContent.POSITION_DELETES), file('y', [], DataFileContent.POSITION_DELETES), file('z', [], DataFileContent.EQUALITY_DELETES)])).toEqual({
      'added-position-delete-files': '2',
    });
  });
});
