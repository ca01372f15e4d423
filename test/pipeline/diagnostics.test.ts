import { describe, expect, it } from 'vitest';
import { formatDiagnostic, validatePipelineText } from '../../src/pipeline/index.js';
import { validateFixture, where } from './helpers.js';

describe('every error at once, each at its line:col', () => {
  it('reports all five mistakes of a file with five mistakes', () => {
    const r = validateFixture('broken/five_mistakes.yaml');
    expect(r.value).toBeUndefined();
    expect(where(r.diagnostics)).toEqual([
      '5:3 source.delimter', // unknown key, at the key
      '7:35 columns.id.type', // unknown type, at the value
      '9:10 target.table', // upper-case namespace
      '10:9 target.mode', // merge without key
      '13:5 checks[1].uniqe', // unknown check kind
    ]);
    const text = r.diagnostics.map(formatDiagnostic);
    expect(text[0]).toMatch(/five_mistakes\.yaml:5:3: source\.delimter: unknown key 'delimter' \(did you mean 'delimiter'\?\)/);
    expect(text[1]).toMatch(/unknown type 'strng' \(did you mean 'string'\?\)/);
    expect(text[2]).toMatch(/invalid table name 'CRM\.contacts'/);
    expect(text[3]).toMatch(/merge needs a key/);
    expect(text[4]).toMatch(/unknown check kind 'uniqe' \(did you mean 'unique'\?\)/);
  });

  it('reports field, cross-field and check errors of one file together', () => {
    const r = validateFixture('broken/more_mistakes.yaml');
    expect(where(r.diagnostics)).toEqual([
      '3:15 source.connection',
      '5:10 source.table',
      '6:15 source.batch_size',
      '8:20 columns.phone.region',
      '8:20 columns.phone.region',
      '11:10 target.table',
      '13:9 target.key[0]',
      '14:18 target.partition_by[0]',
      '14:43 target.partition_by[1]',
      '14:57 target.partition_by[2]',
      '15:13 target.sort_by[0]',
      '16:21 target.on_schema_change',
      '17:23 rejects.max_ratio',
      '19:47 checks[0].freshness.max_age',
      '20:44 checks[1].missing_percent.max',
      '21:5 checks[2].format',
      '22:41 checks[3].accepted_values.values',
      '23:5 checks[4].row_count',
      '25:15 checks[5].severity',
      '26:5 checks[6]',
      '28:5 checks[7]',
    ]);
    const msg = (path: string) => r.diagnostics.find((d) => d.path === path)?.message;
    expect(msg('target.key[0]')).toBe("'id' is renamed to 'contact_id' by columns.id.rename; use the new name");
    expect(msg('target.partition_by[0]')).toMatch(/positive integer/);
    expect(msg('target.partition_by[1]')).toMatch(/did you mean 'hour'/);
    expect(msg('checks[0].freshness.max_age')).toMatch(/expected a duration such as 0s, 90m, 6h, 3d or 2w/);
    expect(msg('source.batch_size')).toBe('must be greater than 0');
    expect(msg('checks[6]')).toMatch(/exactly one kind, found row_count and unique/);
  });

  it('reports YAML syntax errors with line:col and stops there', () => {
    const r = validateFixture('broken/syntax_error.yaml');
    expect(r.diagnostics.map((d) => `${d.line}:${d.col}`)).toEqual(['5:1', '7:1']);
    expect(r.diagnostics[0]!.message).toMatch(/^YAML: Flow sequence/);
    expect(r.diagnostics[1]!.message).toBe('YAML: Map keys must be unique');
  });

  it('refuses a target table name longer than a catalog holds, at its line', () => {
    const r = validatePipelineText(`source: { kind: csv, path: a.csv }\ntarget: { table: raw.${'t'.repeat(256)} }\n`, 'long.yaml');
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(/^long\.yaml:2:18: target\.table: invalid table name 'raw\.t+\.\.\.': 't+\.\.\.' is 256 characters long; a catalog holds at most 255$/)]);
    expect(validatePipelineText(`source: { kind: csv, path: a.csv }\ntarget: { table: raw.${'t'.repeat(255)} }\n`, 'ok.yaml').diagnostics).toEqual([]);
  });

  it('names an unknown source kind and the closest one', () => {
    const r = validateFixture('broken/unknown_source.yaml', { CRM_DATABASE_URL: 'postgresql://x@h/db' });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/unknown_source\.yaml:3:9: source\.kind: unknown source kind 'postgress' \(did you mean 'postgres'\?\); expected one of csv, jsonl, json, parquet, postgres, mysql, sqlite, http, sql$/),
    ]);
  });

  it('checks identity pipelines across inputs, match, survivorship and outputs', () => {
    const r = validateFixture('broken/identity_broken.yaml');
    expect(where(r.diagnostics)).toEqual([
      '4:5 inputs[0].source_id',
      '9:5 inputs[1].identifiers',
      '11:22 match.max_per_profile.phone',
      '13:12 survivorship.default',
      '14:3 survivorship.emial',
      '14:44 survivorship.emial.source_priority[1]',
      '17:13 outputs.profiles',
    ]);
    expect(r.diagnostics.find((d) => d.path === 'inputs[0].source_id')!.message).toBe('is required');
    expect(r.diagnostics.find((d) => d.path === 'survivorship.emial')!.message).toMatch(/did you mean 'email'/);
  });

  it('rejects a name that is not an identifier, and an empty file', () => {
    expect(where(validateFixture('broken/bad_name.yaml').diagnostics)).toEqual(['1:7 name']);
    expect(validateFixture('broken/empty.yaml').diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(/empty\.yaml:1:1: the file is empty/)]);
  });

  it('defaults the name to the file name and warns when a given name differs', () => {
    const text = 'name: other\nsource: { kind: parquet, path: x.parquet }\ntarget: { table: raw.x }\n';
    const r = validatePipelineText(text, '/p/pipelines/raw_x.yaml', {});
    expect(r.value?.name).toBe('other');
    expect(r.diagnostics.map(formatDiagnostic)).toEqual(["/p/pipelines/raw_x.yaml:1:7: warning: name: name 'other' differs from the file name 'raw_x'"]);
    const unnamed = validatePipelineText(text.replace('name: other\n', ''), '/p/pipelines/raw_x.yaml', {});
    expect(unnamed.value?.name).toBe('raw_x');
    expect(unnamed.value?.kind).toBe('ingest');
  });

  it('points at missing fields through their parent, and at unknown top-level keys', () => {
    const r = validatePipelineText('source:\n  kind: sql\ntarget:\n  mode: append\nchekcs: []\n', '/p/x.yaml', {});
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      '/p/x.yaml:1:1: source.query: is required',
      '/p/x.yaml:3:1: target.table: is required',
      "/p/x.yaml:5:1: chekcs: unknown key 'chekcs' (did you mean 'checks'?); expected one of name, kind, description, source, columns, target, rejects, checks",
    ]);
  });

  it('gives a wrong type in words', () => {
    const r = validatePipelineText('source: { kind: csv, path: a.csv, header: "yes" }\ntarget: { table: raw.a, key: id }\n', '/p/a.yaml', {});
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.path}: ${d.message}`)).toEqual([
      '1:43 source.header: expected boolean, got string',
      '2:30 target.key: expected a list, got string',
    ]);
  });
});
