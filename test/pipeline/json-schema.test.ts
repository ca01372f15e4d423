import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHECK_KINDS, jsonSchema, jsonSchemaText, SCHEMA_FILES, SOURCE_KINDS, type SchemaName } from '../../src/pipeline/index.js';
import { FIXTURES } from './helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

type S = Record<string, unknown>;

/**
 * Just enough of JSON Schema 2020-12 to check the committed schema against the fixtures:
 * $ref, anyOf/oneOf, type, const, enum, pattern, required, properties, additionalProperties,
 * items. Returns the problems found (empty when `data` conforms).
 */
function conform(root: S, schema: S, data: unknown, path = ''): string[] {
  if (typeof schema.$ref === 'string') return conform(root, (root.$defs as S)[schema.$ref.replace('#/$defs/', '')] as S, data, path);
  const errs: string[] = [];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key] as S[] | undefined;
    if (!branches) continue;
    const results = branches.map((b) => conform(root, b, data, path));
    const passing = results.filter((r) => r.length === 0).length;
    if (key === 'anyOf' ? passing === 0 : passing !== 1) errs.push(`${path}: ${passing} ${key} branches match (${results.flat().join('; ')})`);
  }
  const t = schema.type;
  const actual = data === null ? 'null' : Array.isArray(data) ? 'array' : Number.isInteger(data) ? 'integer' : typeof data;
  const types = t === undefined ? undefined : Array.isArray(t) ? t : [t];
  if (types && !types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return [...errs, `${path}: ${actual} is not ${types.join('|')}`];
  if ('const' in schema && schema.const !== data) errs.push(`${path}: not ${String(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(data)) errs.push(`${path}: not in enum`);
  if (typeof schema.pattern === 'string' && typeof data === 'string' && !new RegExp(schema.pattern).test(data)) errs.push(`${path}: pattern`);
  if (actual === 'object') {
    const obj = data as S;
    const props = (schema.properties ?? {}) as Record<string, S>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) errs.push(`${path}.${r}: required`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errs.push(...conform(root, props[k], v, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}.${k}: not allowed`);
      else if (typeof schema.additionalProperties === 'object') errs.push(...conform(root, schema.additionalProperties as S, v, `${path}.${k}`));
    }
  }
  if (actual === 'array' && schema.items) (data as unknown[]).forEach((v, i) => errs.push(...conform(root, schema.items as S, v, `${path}[${i}]`)));
  return errs;
}

const yamlFiles = (dir: string) => readdirSync(join(FIXTURES, dir)).filter((f) => f.endsWith('.yaml')).map((f) => join(FIXTURES, dir, f));
// The fixtures' ${VAR}s stand in quoted strings, so the raw YAML conforms as written.
const load = (file: string) => parse(readFileSync(file, 'utf8')) as unknown;

describe('JSON Schema', () => {
  it.each(Object.keys(SCHEMA_FILES) as SchemaName[])('the committed %s schema is up to date (regenerate: npx tsx scripts/gen-schemas.ts)', (name) => {
    expect(readFileSync(join(ROOT, SCHEMA_FILES[name]), 'utf8')).toBe(jsonSchemaText(name));
  });

  it('describes every source kind and check kind', () => {
    const text = JSON.stringify(jsonSchema('pipeline'));
    for (const k of SOURCE_KINDS) expect(text).toContain(`"const":"${k}"`);
    const check = (jsonSchema('pipeline').$defs as S).check as S;
    expect(Object.keys(check.properties as S)).toEqual(['severity', 'name', ...CHECK_KINDS]);
  });

  it('accepts every valid fixture, as written', () => {
    const pipeline = jsonSchema('pipeline');
    for (const f of yamlFiles('project/pipelines')) expect(conform(pipeline, pipeline, load(f)), f).toEqual([]);
    const project = jsonSchema('floe');
    expect(conform(project, project, load(join(FIXTURES, 'project/floe.yaml')))).toEqual([]);
  });

  it('rejects unknown keys and kinds, as validation does', () => {
    const pipeline = jsonSchema('pipeline');
    expect(conform(pipeline, pipeline, load(join(FIXTURES, 'broken/five_mistakes.yaml'))).join('\n')).toMatch(/\.source\.delimter: not allowed/);
    expect(conform(pipeline, pipeline, load(join(FIXTURES, 'broken/unknown_source.yaml'))).length).toBeGreaterThan(0);
    const project = jsonSchema('floe');
    expect(conform(project, project, load(join(FIXTURES, 'bad_project/floe.yaml'))).join('\n')).toMatch(/\.warehose: not allowed/);
  });
});
