/**
 * `floe identity explain --mask`: the explanation with the identifier values and match keys
 * of PII-tagged input columns replaced by their policies, as `floe query --mask` shows the
 * inputs (docs/GOVERNANCE.md). A kind is masked for every record when any input tags the
 * column it reads for that kind (pii.ts decides the tag), so that a link's key, shared by
 * records of several inputs, never shows raw. The policies run in DuckDB (governance/sql.ts),
 * a handful of values.
 */
import type { Engine } from '../../engine/duckdb.js';
import { quoteLiteral } from '../../engine/sql.js';
import { type PiiColumn, POLICY_STRICTNESS } from '../../governance/policy.js';
import { saltFor, type Env } from '../../governance/salt.js';
import { policySql } from '../../governance/sql.js';
import type { Explanation } from './explain.js';
import { profilePiiColumns, sourceIdTag, type TaggedInput } from './pii.js';

export async function maskExplanation(engine: Engine, e: Explanation, inputs: readonly (TaggedInput & { table: string; sourceId?: string })[], env: Env = process.env): Promise<Explanation> {
  // Source ids read from a tagged column (identity_map.source_id carries its tag, pii.ts mapPiiColumns).
  const idTags = new Map<string, PiiColumn>();
  for (const input of inputs) {
    const c = input.sourceId === undefined ? undefined : sourceIdTag({ tags: input.tags, sourceId: input.sourceId });
    if (c) idTags.set(input.table, c);
  }
  const maskId = async (table: string, id: string): Promise<string> => {
    const c = idTags.get(table);
    if (!c) return id;
    const salt = c.policy === 'hash' ? saltFor(c, table, env) : undefined;
    const v = (await engine.all(`SELECT ${policySql(quoteLiteral(id), c, salt)} AS v`, 'mask a source id'))[0]?.v;
    return v === null || v === undefined ? '(redacted)' : String(v);
  };
  const maskRef = async (ref: string): Promise<string> => {
    const table = [...idTags.keys()].find((t) => ref.startsWith(`${t}:`));
    return table === undefined ? ref : `${table}:${await maskId(table, ref.slice(table.length + 1))}`;
  };
  if (idTags.size > 0) {
    const records = [];
    for (const r of e.records) records.push({ ...r, source_id: await maskId(r.source_table, r.source_id) });
    const links = [];
    for (const l of e.links) {
      const refs = [];
      for (const ref of l.records) refs.push(await maskRef(ref));
      links.push({ ...l, records: refs });
    }
    e = { ...e, records, links };
  }
  const byKind = new Map<string, { c: PiiColumn; table: string }>();
  for (const input of inputs) {
    for (const c of profilePiiColumns([{ ...input, attributes: {} }])) {
      if (c.apply !== 'read' || c.policy === 'none') continue;
      const seen = byKind.get(c.column);
      if (!seen || rank(c) > rank(seen.c)) byKind.set(c.column, { c, table: input.table });
    }
  }
  if (byKind.size === 0) return e;
  const cache = new Map<string, string | null>();
  const mask = async (kind: string, value: string): Promise<string> => {
    const m = byKind.get(kind);
    if (!m) return value;
    const k = `${kind}\u0000${value}`;
    if (!cache.has(k)) {
      const salt = m.c.policy === 'hash' ? saltFor(m.c, m.table, env) : undefined;
      const rows = await engine.all(`SELECT ${policySql(quoteLiteral(value), m.c, salt)} AS v`, 'mask an identifier value');
      cache.set(k, rows[0]?.v === null || rows[0]?.v === undefined ? null : String(rows[0].v));
    }
    return cache.get(k) ?? '(redacted)';
  };
  const records = [];
  for (const r of e.records) {
    const identifiers = [];
    for (const i of r.identifiers) identifiers.push({ ...i, value: await mask(i.kind, i.value), key: await mask(i.kind, i.key) });
    records.push({ ...r, identifiers });
  }
  const links = [];
  for (const l of e.links) links.push({ ...l, key: await mask(l.kind, l.key) });
  return { ...e, records, links };
}

const rank = (c: PiiColumn) => POLICY_STRICTNESS[c.policy];
