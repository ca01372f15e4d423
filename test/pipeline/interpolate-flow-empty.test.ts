import { describe, expect, it } from 'vitest';
import { validatePipelineText, validateProjectText } from '../../src/pipeline/index.js';
import type { Diagnostic } from '../../src/pipeline/index.js';

const show = (ds: readonly Diagnostic[]) => ds.map((d) => `${d.line}:${d.col} ${d.path}: ${d.message}`);

describe('${VAR} in a flow collection', () => {
  it('an unquoted reference breaks the flow map: one diagnostic at the reference, saying to quote it or use block style', () => {
    const text = 'source: {kind: csv, path: a.csv, header: ${HDR}}\ntarget: { table: raw.a }\n';
    const r = validatePipelineText(text, '/p/a.yaml', { HDR: 'true' });
    expect(r.diagnostics).toHaveLength(1);
    const [d] = r.diagnostics;
    expect(`${d!.line}:${d!.col}`).toBe('1:42');
    expect(d!.message).toContain('${HDR} inside a flow collection');
    expect(d!.message).toContain('"${HDR}"');
    expect(d!.message).toContain('block style');
  });

  it('also in the middle of a value, and in a flow list on a later line', () => {
    const a = validatePipelineText('source: {kind: csv, path: ${D}/a.csv, header: true}\ntarget: { table: raw.a }\n', '/p/a.yaml', { D: 'x' });
    expect(show(a.diagnostics)).toEqual([expect.stringMatching(/^1:27 : YAML: \$\{D\} inside a flow collection/)]);
    const b = validatePipelineText('name: a\nsource:\n  kind: csv\n  path: a.csv\ntarget: { table: raw.a, partition_by: [${X}] }\n', '/p/a.yaml', { X: 'y' });
    expect(show(b.diagnostics)).toEqual([expect.stringMatching(/^5:40 : YAML: \$\{X\} inside a flow collection/)]);
  });

  it('in a flow map over several lines, and in floe.yaml', () => {
    const a = validatePipelineText('source: {\n  kind: csv,\n  path: a.csv,\n  header: ${HDR}\n}\ntarget: { table: raw.a }\n', '/p/a.yaml', { HDR: 'true' });
    expect(show(a.diagnostics)).toEqual([expect.stringMatching(/^4:11 : YAML: \$\{HDR\} inside a flow collection/)]);
    const p = validateProjectText('warehouse: ./w\nstorage:\n  s3: { endpoint: ${S3_ENDPOINT}, region: us-east-1 }\n', '/p/floe.yaml', { S3_ENDPOINT: 'http://x' });
    expect(show(p.diagnostics)).toEqual([expect.stringMatching(/^3:19 : YAML: \$\{S3_ENDPOINT\} inside a flow collection/)]);
  });

  it('a syntax error elsewhere keeps the library message; a quoted or block-style reference parses', () => {
    const other = validatePipelineText('source: {kind: csv, path: "${HDR}" bad}\ntarget: { table: raw.a }\n', '/p/a.yaml', { HDR: 'a.csv' });
    expect(other.diagnostics.some((d) => d.message.includes('flow collection'))).toBe(false);
    expect(other.diagnostics.length).toBeGreaterThan(0);
    const block = validatePipelineText('source:\n  kind: csv\n  path: a.csv\n  header: ${HDR}\ntarget: { table: raw.a }\n', '/p/a.yaml', { HDR: 'false' });
    expect(block.diagnostics).toEqual([]);
    expect(block.value?.kind === 'ingest' && block.value.source.kind === 'csv' ? block.value.source.header : undefined).toBe(false);
  });

  it('a quoted reference where a boolean or number is wanted names the variable and how to write it', () => {
    const r = validatePipelineText('source: {kind: csv, path: a.csv, header: "${HDR}"}\ntarget: { table: raw.a }\n', '/p/a.yaml', { HDR: 'true' });
    expect(show(r.diagnostics)).toEqual([
      '1:42 source.header: expected boolean, got string: "${HDR}" is quoted, so it stays a string; this field takes a boolean: write the reference unquoted in block style (`header: ${HDR}` on its own line), where its value is read as YAML reads it',
    ]);
    const p = validateProjectText('warehouse: ./w\nstorage:\n  s3: { path_style: "${PS}" }\n', '/p/floe.yaml', { PS: 'true' });
    expect(show(p.diagnostics)).toEqual([expect.stringContaining('storage.s3.path_style: expected boolean, got string: "${PS}" is quoted')]);
    // A quoted reference with other text is an ordinary string: the message is unchanged.
    const mixed = validateProjectText('warehouse: ./w\nstorage:\n  s3: { path_style: "x${PS}" }\n', '/p/floe.yaml', { PS: 'true' });
    expect(show(mixed.diagnostics)).toEqual(['3:21 storage.s3.path_style: expected boolean, got string']);
  });
});

describe('an empty variable', () => {
  it('is an error like an unset one, at the reference, naming the variable', () => {
    const text = 'source:\n  kind: csv\n  path: "${DATA_DIR}/*.csv"\ntarget: { table: raw.a }\n';
    const r = validatePipelineText(text, '/p/a.yaml', { DATA_DIR: '' });
    expect(show(r.diagnostics)).toEqual([
      '3:10 source.path: environment variable DATA_DIR is set but empty (set it to a value, or write ${DATA_DIR:-} if an empty value is meant)',
    ]);
    expect(r.value).toBeUndefined();
  });

  it('${VAR:-} and ${VAR:-default} accept an empty value; floe.yaml is checked the same way', () => {
    const ok = validatePipelineText('source:\n  kind: csv\n  path: "data${SUFFIX:-}/*.csv"\ntarget: { table: "${NS:-raw}.a" }\n', '/p/a.yaml', { SUFFIX: '', NS: '' });
    expect(ok.diagnostics).toEqual([]);
    expect(ok.value?.kind === 'ingest' ? [ok.value.source.kind === 'csv' ? ok.value.source.path : '', ok.value.target.table] : []).toEqual([['data/*.csv'], 'raw.a']);
    const p = validateProjectText('warehouse: ./w\ncatalog:\n  uri: "postgresql://floe:${PW}@db/lake"\n', '/p/floe.yaml', { PW: '' });
    expect(show(p.diagnostics)).toEqual([expect.stringMatching(/^3:27 catalog\.uri: environment variable PW is set but empty/)]);
  });
});
