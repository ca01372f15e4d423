import { describe, expect, it } from 'vitest';
import { formatDiagnostic, interpolateString, validatePipelineText, validateProjectText } from '../../src/pipeline/index.js';
import { validateFixture, where } from './helpers.js';

describe('${VAR} interpolation', () => {
  it('substitutes, applies :- defaults for unset or empty variables, and keeps $${ literal', () => {
    const env = { A: 'x', EMPTY: '' };
    expect(interpolateString('a=${A} b=${B:-dflt} e=${EMPTY:-e} lit=$${A} raw=$A', env).value).toBe('a=x b=dflt e=e lit=${A} raw=$A');
    expect(interpolateString('${A:-}', {}).value).toBe('');
    expect(interpolateString('${ A }', env).value).toBe('x');
  });

  it('reports an unset variable by name at its line:col, never its value', () => {
    const r = validateFixture('broken/missing_env.yaml', { TEAM_NAME: 'crm-team' });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/missing_env\.yaml:4:33: source\.connection: environment variable CRM_PASSWORD is not set/),
    ]);
  });

  it('reports every unset variable, including several in one scalar, and no schema error on top', () => {
    const text = 'source:\n  kind: postgres\n  connection: postgresql://${U}:${P}@db/x\n  table: t\ntarget: { table: "${NS}.t" }\n';
    const r = validatePipelineText(text, '/p/x.yaml', {});
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.path} ${d.message.split(' (')[0]}`)).toEqual([
      '3:28 source.connection environment variable U is not set',
      '3:33 source.connection environment variable P is not set',
      '5:19 target.table environment variable NS is not set',
    ]);
  });

  it('reports malformed and unterminated references', () => {
    const r = validatePipelineText('source:\n  kind: sql\n  query: "SELECT ${1x}, \'${open\'"\ntarget: { table: raw.a }\n', '/p/a.yaml', {});
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`)).toEqual([
      '3:18 malformed reference ${1x}: expected ${NAME} or ${NAME:-default}',
      '3:26 unterminated ${ (write $${ for a literal ${)',
    ]);
  });

  it('positions after interpolation still point into the original file', () => {
    const text = 'source:\n  kind: csv\n  path: "${DATA_DIR}/a.csv"\n  delimiter: "${DELIM:-}"\ntarget: { table: "${NS}.Contacts" }\n';
    const r = validatePipelineText(text, '/p/a.yaml', { DATA_DIR: '/very/long/data/directory/name', DELIM: '', NS: 'crm' });
    // An empty delimiter and an upper-case table name, both reported where they are written.
    expect(where(r.diagnostics)).toEqual(['4:14 source.delimiter', '5:18 target.table']);
  });

  it('an unquoted reference takes the type its text would have; a quoted one stays a string', () => {
    const text = 'warehouse: ./w\nstorage:\n  s3: { region: "${REGION}", path_style: true }\n';
    const plain = 'warehouse: ./w\nstorage:\n  s3:\n    path_style: ${PATH_STYLE}\n';
    const env = { PATH_STYLE: 'true', REGION: '123' };
    expect(validateProjectText(plain, '/p/floe.yaml', env).value?.storage.s3?.path_style).toBe(true);
    expect(validateProjectText(text, '/p/floe.yaml', env).value?.storage.s3?.region).toBe('123');
    const quoted = plain.replace('${PATH_STYLE}', '"${PATH_STYLE}"');
    expect(validateProjectText(quoted, '/p/floe.yaml', env).diagnostics.map((d) => `${d.line}:${d.col} ${d.path}: ${d.message}`)).toEqual([
      expect.stringMatching(/^4:17 storage\.s3\.path_style: expected boolean, got string: "\$\{PATH_STYLE\}" is quoted/),
    ]);
  });

  it('does not interpolate keys, and shares an anchored value with its aliases', () => {
    const text = 'source: { kind: sql, query: &q "SELECT ${COL}" }\ntarget: { table: raw.a, properties: { "${K}": *q } }\n';
    const r = validatePipelineText(text, '/p/a.yaml', { COL: '1', K: 'k' });
    expect(r.diagnostics).toEqual([]);
    if (r.value?.kind !== 'ingest') throw new Error('expected ingest');
    expect(r.value.target.properties).toEqual({ '${K}': 'SELECT 1' });
  });
});
