/**
 * `floe load` of JSON: keys of a nested object that differ only in case fail naming the file,
 * the lines (blank lines counted), the path and both keys, as the jsonl and json sources do
 * (json-keys.ts explainNestedCaseKeys), instead of DuckDB's 'Duplicate name "q" in struct
 * auto-detected in JSON, try ignore_errors=true'.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('keys of a nested object that differ only in case, in floe load', () => {
  it('JSON Lines: both lines (blank lines counted), the path and both keys', async () => {
    const p = await newProject();
    const file = await p.write('data/ev.jsonl', '{"id": 1, "attrs": {"Q": 1}}\n\n{"id": 2, "attrs": {"q": 2}}\n');
    const r = await p.floe(['load', 'raw.ev', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:1 has key "Q" in attrs and ${file}:3 has key "q", which name one struct field`);
    expect(r.stderr).not.toContain('ignore_errors');
  });
});
