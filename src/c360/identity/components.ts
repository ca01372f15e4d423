/**
 * Stage 2: connected components. Records sharing an unblocked match key of the same kind are
 * linked; the links stream out of DuckDB (each record to the smallest record with its key)
 * into a typed-array union-find, and the labels go back as `__id_label (rec, comp)`, where
 * comp is the component's smallest record. Then the max_per_profile guard (guard.ts) cuts the
 * weakest links of every over-limit component and the components are computed again, until
 * none is over a limit (or MAX_ROUNDS rounds have cut).
 */
import type { Engine } from '../../engine/duckdb.js';
import { quoteLiteral } from '../../engine/sql.js';
import { chooseCuts, type LinkCandidate, WEAKEST_FIRST } from './guard.js';
import { IDS, REC } from './records.js';
import { forEachRow, writeIntPairs } from './stream.js';
import { UnionFind } from './union-find.js';

export const LABEL = '__id_label';
const CUT = '__id_cut';

export interface Cut extends LinkCandidate {
  round: number;
  limit: number;
  /** Distinct values of overKind the component had. */
  had: number;
}

export interface ComponentsResult {
  records: number;
  components: number;
  links: number;
  cuts: Cut[];
  /** Components still over a limit because no link in them could be cut (one record). */
  unresolved: number;
  rounds: number;
}

const MAX_ROUNDS = 100;

export async function computeComponents(engine: Engine, maxPerProfile: Readonly<Record<string, number>>): Promise<ComponentsResult> {
  const records = Number((await engine.all(`SELECT count(*)::BIGINT AS n FROM ${REC}`, 'count the identity records'))[0]?.n ?? 0);
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${CUT} (kind VARCHAR, key VARCHAR)`, 'create the cut list');
  const limits = Object.entries(maxPerProfile);
  const cuts: Cut[] = [];
  let links = 0;
  let unresolved = 0;
  let round = 0;
  for (;;) {
    round++;
    const uf = new UnionFind(records);
    links = 0;
    await forEachRow(
      engine,
      `SELECT rec, root FROM (SELECT rec, min(rec) OVER (PARTITION BY kind, key) AS root FROM ${IDS} i ` +
        `WHERE blocked IS NULL AND NOT EXISTS (SELECT 1 FROM ${CUT} c WHERE c.kind = i.kind AND c.key = i.key)) WHERE rec <> root`,
      'list the identifier links',
      (row) => {
        if (uf.union(row[0] as number, row[1] as number)) links++;
      },
    );
    const labels = uf.labels();
    await writeIntPairs(engine, LABEL, ['rec', 'comp'], records, (i) => [i, labels[i]!]);
    if (limits.length === 0) break;
    const seen = new Set<string>();
    const chosen = chooseCuts(await overLimit(engine, limits)).filter((c) => {
      const k = `${c.kind}\u0000${c.key}`;
      return !seen.has(k) && seen.add(k) !== undefined;
    });
    if (chosen.length === 0 || round > MAX_ROUNDS) {
      unresolved = await overCount(engine, limits);
      break;
    }
    for (const c of chosen) cuts.push({ ...c, round });
    for (let i = 0; i < chosen.length; i += 1000) {
      await engine.run(
        `INSERT INTO ${CUT} VALUES ${chosen.slice(i, i + 1000).map((c) => `(${quoteLiteral(c.kind)}, ${quoteLiteral(c.key)})`).join(', ')}`,
        'record the cut links',
      );
    }
  }
  const components = Number((await engine.all(`SELECT count(DISTINCT comp)::BIGINT AS n FROM ${LABEL}`, 'count the components'))[0]?.n ?? 0);
  return { records, components, links, cuts, unresolved, rounds: round };
}

const limitsSql = (limits: [string, number][]) => `(VALUES ${limits.map(([k, n]) => `(${quoteLiteral(k)}, ${n})`).join(', ')}) AS lim(kind, n)`;

/** Components still over a limit. */
async function overCount(engine: Engine, limits: [string, number][]): Promise<number> {
  const rows = await engine.all(
    `SELECT count(*)::BIGINT AS n FROM (SELECT l.comp, i.kind FROM ${IDS} i JOIN ${LABEL} l USING (rec) JOIN ${limitsSql(limits)} ON lim.kind = i.kind ` +
      `WHERE i.blocked IS NULL GROUP BY l.comp, i.kind HAVING count(DISTINCT i.key) > any_value(lim.n))`,
    'count the customers over a max_per_profile limit',
  );
  return Number(rows[0]?.n ?? 0);
}

/** The weakest link candidates of each over-limit component (with the limit it broke). */
async function overLimit(engine: Engine, limits: [string, number][]): Promise<Cut[]> {
  const lim = limitsSql(limits);
  const rows = await engine.all(
    `WITH j AS (SELECT l.comp, i.rec, i.kind, i.key, EXISTS (SELECT 1 FROM ${CUT} c WHERE c.kind = i.kind AND c.key = i.key) AS is_cut ` +
      `FROM ${IDS} i JOIN ${LABEL} l USING (rec) WHERE i.blocked IS NULL), ` +
      `over AS (SELECT j.comp, j.kind AS over_kind, any_value(lim.n) AS lim, count(DISTINCT j.key) AS had FROM j JOIN ${lim} ON lim.kind = j.kind GROUP BY j.comp, j.kind HAVING count(DISTINCT j.key) > any_value(lim.n)), ` +
      `cand AS (SELECT o.comp AS component, o.over_kind, o.lim, o.had, v.kind, v.key, count(DISTINCT w.key) AS bridged, count(DISTINCT v.rec) AS records ` +
      `FROM over o JOIN j v ON v.comp = o.comp AND NOT v.is_cut JOIN j w ON w.rec = v.rec AND w.kind = o.over_kind GROUP BY ALL) ` +
      `SELECT component, over_kind, lim, had, kind, key, bridged, records FROM cand ` +
      `WHERE bridged >= 2 QUALIFY bridged = max(bridged) OVER (PARTITION BY component) ORDER BY component, ${WEAKEST_FIRST}`,
    'find the customers over a max_per_profile limit',
  );
  return rows.map((r) => ({
    component: Number(r.component),
    overKind: String(r.over_kind),
    limit: Number(r.lim),
    had: Number(r.had),
    kind: String(r.kind),
    key: String(r.key),
    bridged: Number(r.bridged),
    records: Number(r.records),
    round: 0,
  }));
}
