/**
 * Column lineage of sql pipeline queries (governance/sql-lineage.ts) and the tags it gives the
 * output (sql-tags.ts), on DuckDB's real parse trees; and what the query may read
 * (sql-reads.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../../src/engine/duckdb.js';
import type { PiiColumn } from '../../src/governance/policy.js';
import { outputLineage } from '../../src/governance/sql-lineage.js';
import { parseTree, readProblems } from '../../src/governance/sql-reads.js';
import { inheritedTags, type TaggedInput, withInheritedTags } from '../../src/governance/sql-tags.js';

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
});
afterAll(() => engine.close());

const tag = (column: string, t: string, policy: PiiColumn['policy'], apply: PiiColumn['apply'] = 'read'): PiiColumn => ({ column, tag: t, policy, apply, saltEnv: 'FLOE_PII_SALT' });

const INPUTS: TaggedInput[] = [
  { table: 'crm.contacts', columns: ['id', 'email', 'phone', 'name', 'country'], tags: [tag('email', 'email', 'mask'), tag('phone', 'phone', 'hash'), tag('name', 'name', 'redact')] },
  { table: 'billing.accounts', columns: ['account_id', 'contact_id', 'billing_email', 'plan'], tags: [tag('billing_email', 'email', 'mask', 'ingest')] },
  { table: 'web.events', columns: ['event_id', 'contact_id', 'props'], tags: [tag('props', 'text', 'none')] },
];

/** The output columns and their inherited tags (`tag:policy[:ingest]`), as DuckDB would name the columns. */
async function tagsOf(sql: string): Promise<Record<string, string>> {
  const tree = await parseTree(engine, sql);
  const lineage = outputLineage(tree, new Map(INPUTS.map((i) => [i.table, { columns: i.columns }])), sql);
  const names = lineage?.map((c, i) => c.name ?? `#${i}`) ?? [];
  return Object.fromEntries(inheritedTags(names, lineage, INPUTS).map((t) => [t.column, `${t.tag}:${t.policy}${t.apply === 'ingest' ? ':ingest' : ''}`]));
}

describe('sql pipeline lineage', () => {
  it('a copied column keeps its tag under an alias, and the tag says the policy was applied at write', async () => {
    expect(await tagsOf('SELECT c.id, c.email AS contact, country FROM crm.contacts c')).toEqual({ contact: 'email:mask:ingest' });
  });

  it('simple expressions carry the tag: lower(), CASE, COALESCE, ||, casts, struct fields', async () => {
    const sql = `SELECT lower(email) AS a,
                        CASE WHEN country = 'US' THEN phone ELSE NULL END AS b,
                        coalesce(name, 'n/a') AS c,
                        email || ' <' || id || '>' AS d,
                        CAST(phone AS VARCHAR) AS e,
                        {'m': email}.m AS f,
                        country AS g,
                        CASE WHEN country = 'US' THEN 1 ELSE 0 END AS h
                 FROM crm.contacts`;
    expect(await tagsOf(sql)).toEqual({ a: 'email:mask:ingest', b: 'phone:hash:ingest', c: 'name:redact:ingest', d: 'email:mask:ingest', e: 'phone:hash:ingest', f: 'email:mask:ingest' });
  });

  it('several tagged inputs in one column: the strictest policy wins', async () => {
    expect(await tagsOf("SELECT concat(email, ' ', phone) AS both, coalesce(name, email) AS n FROM crm.contacts")).toEqual({ both: 'phone:hash:ingest', n: 'name:redact:ingest' });
  });

  it('counting aggregates and filters carry nothing; value aggregates carry their argument', async () => {
    const sql = `SELECT country, count(email) AS emails, count(DISTINCT phone) AS phones, count(*) AS n,
                        min(email) AS first_email, string_agg(name, ',') AS names, count_if(email LIKE '%@x.io') AS xs
                 FROM crm.contacts WHERE email IS NOT NULL GROUP BY country HAVING count(phone) > 1`;
    expect(await tagsOf(sql)).toEqual({ first_email: 'email:mask:ingest', names: 'name:redact:ingest' });
  });

  it('window functions: ranking carries nothing, lag/first_value carry their argument', async () => {
    const sql = 'SELECT row_number() OVER (PARTITION BY email ORDER BY phone) AS rn, lag(email) OVER (ORDER BY id) AS prev FROM crm.contacts';
    expect(await tagsOf(sql)).toEqual({ prev: 'email:mask:ingest' });
  });

  it('follows CTEs, subqueries, joins with USING, stars with EXCLUDE/REPLACE, set operations and select aliases', async () => {
    const sql = `WITH c AS (SELECT id AS contact_id, email AS mail FROM crm.contacts),
                      a AS (SELECT * FROM billing.accounts)
                 SELECT x.*, upper(x.mail) AS shout, shout || '!' AS louder
                 FROM (SELECT * EXCLUDE (plan) REPLACE (lower(billing_email) AS billing_email) FROM a JOIN c USING (contact_id)) x
                 UNION ALL
                 SELECT account_id, contact_id, NULL, NULL, NULL, NULL FROM billing.accounts`;
    expect(await tagsOf(sql)).toEqual({ billing_email: 'email:mask:ingest', mail: 'email:mask:ingest', shout: 'email:mask:ingest', louder: 'email:mask:ingest' });
  });

  it('an input tagged at ingest, or classified none, passes its tag on as it is', async () => {
    expect(await tagsOf('SELECT a.billing_email, e.props FROM billing.accounts a JOIN web.events e USING (contact_id)')).toEqual({ billing_email: 'email:mask:ingest', props: 'text:none' });
  });

  it('scalar subqueries and IN carry the subquery result; ns.table.column references resolve', async () => {
    const sql = `SELECT account_id,
                        (SELECT max(c.email) FROM crm.contacts c WHERE c.id = billing.accounts.contact_id) AS owner_email,
                        contact_id IN (SELECT id FROM crm.contacts) AS known
                 FROM billing.accounts`;
    expect(await tagsOf(sql)).toEqual({ owner_email: 'email:mask:ingest' });
  });

  it('fails closed: hash(*) (a star DuckDB does not serialise), a whole-row reference, COLUMNS(regex)', async () => {
    expect(await tagsOf('SELECT id, hash(*) AS h FROM crm.contacts')).toEqual({ h: 'name:redact:ingest' });
    expect(await tagsOf('SELECT c AS row FROM crm.contacts c')).toEqual({ row: 'name:redact:ingest' });
    // Functions without arguments take nothing from the row.
    expect(await tagsOf('SELECT current_date AS d, now() AS t, lower(email) AS e FROM crm.contacts')).toEqual({ e: 'email:mask:ingest' });
    // An unknown construct: every output column gets the strictest tag of the inputs.
    const tree = await parseTree(engine, "SELECT COLUMNS('^e') FROM crm.contacts");
    expect(outputLineage(tree, new Map(INPUTS.map((i) => [i.table, { columns: i.columns }])), '')).toBeNull();
    expect(inheritedTags(['email', 'x'], null, INPUTS).map((t) => `${t.column}=${t.tag}:${t.policy}`)).toEqual(['email=name:redact', 'x=name:redact']);
  });

  it('recursive CTEs widen to a fixed point', async () => {
    const sql = `WITH RECURSIVE r(n, v) AS (SELECT 1, 'x' UNION ALL SELECT n + 1, c.email FROM r JOIN crm.contacts c ON c.id = r.n WHERE n < 3)
                 SELECT n, v FROM r`;
    expect(await tagsOf(sql)).toEqual({ v: 'email:mask:ingest' });
  });

  it('declared pii: rules join the inherited ones: stricter wins, `none` does not drop an inherited tag', () => {
    const inherited = [tag('contact', 'email', 'mask', 'ingest'), tag('phone', 'phone', 'hash', 'ingest')];
    const declared = [tag('contact', 'text', 'none'), tag('phone_number', 'phone', 'redact')];
    const out = withInheritedTags(declared, inherited, (c) => (c === 'phone' ? 'phone_number' : c));
    expect(out.map((t) => `${t.column}=${t.tag}:${t.policy}:${t.apply}`)).toEqual(['contact=email:mask:ingest', 'phone_number=phone:redact:read']);
  });
});

describe('what a sql pipeline may read', () => {
  const kinds = async (sql: string, views?: string[]) => readProblems(await parseTree(engine, sql), views).map((p) => `${p.kind}:${p.what}`);

  it('catalog tables, CTEs and value-only table functions pass', async () => {
    expect(await kinds('WITH x AS (SELECT * FROM crm.contacts) SELECT * FROM x, range(3) r, unnest([1]) u')).toEqual([]);
  });

  it('files, catalog functions, DuckDB schemas and other statements are refused, with their offsets', async () => {
    const sql = "SELECT * FROM crm.contacts c JOIN read_parquet('/w/crm/contacts/data/x.parquet') p USING (id)";
    const problems = readProblems(await parseTree(engine, sql));
    expect(problems.map((p) => [p.kind, p.what, p.at])).toEqual([['file', 'the table function read_parquet()', sql.indexOf('read_parquet')]]);
    expect(await kinds("SELECT * FROM 'data/x.csv'")).toEqual(["file:'data/x.csv' (not a catalog table: a file)"]);
    expect(await kinds("SELECT * FROM glob('*')")).toEqual(['file:the table function glob()']);
    expect(await kinds('SELECT sql FROM duckdb_views()')).toEqual(['function:the table function duckdb_views()']);
    expect(await kinds('SELECT * FROM information_schema.views')).toEqual(["relation:information_schema.views (DuckDB's own catalog, not a floe table)"]);
    expect(await kinds('SELECT * FROM crm.nope', ['crm.contacts'])).toEqual(['relation:crm.nope (not a catalog table)']);
    expect(await kinds("COPY crm.contacts TO 'x.csv'")).toEqual(['statement:a statement other than SELECT']);
    expect(await kinds('SELECT 1; SELECT 2')).toEqual(['statements:2 statements']);
  });
});
