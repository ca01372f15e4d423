/**
 * Identity resolution scenario (docs/IDENTITY.md): `floe run` of a `kind: identity` pipeline
 * over 1M generated source records (50k with --quick) in two tables — CRM contacts (email,
 * phone) and web events (email on a quarter of them, device id shared by runs of 5 events).
 * Goal: peak RSS ≤ 1 GiB (the resolver streams links into typed arrays; DuckDB is capped at
 * 384 MB and spills). Candidate only: there is no other identity resolver to compare with.
 *
 * The inputs are generated once, in prepare, by two floe `sql` pipelines over DuckDB's
 * range(), into .cache/bench/identity-<records>/; each run resolves them with --full-refresh,
 * so every repetition does the same work.
 */
import { join } from 'node:path';
import { fmtCount } from '../lib/format.js';
import { rssAtMost } from '../lib/goals.js';
import type { Scenario } from '../lib/types.js';
import { floeArgv, floeUnavailable, loadedProject, optional } from './common.js';

const TIMEOUT_MS = 60 * 60_000;

const CRM = (n: number) => `name: gen_crm
source:
  kind: sql
  query: |
    SELECT i AS contact_id, 'user' || (i // 2) || '@mail' || (i % 7) || '.com' AS email,
           CASE WHEN i % 3 = 0 THEN '+1415' || CAST(2000000 + (i // 2) % 7999999 AS VARCHAR) END AS phone,
           'Name' || (i % 1000) AS first_name, TIMESTAMPTZ '2024-01-01 00:00:00Z' + to_seconds(i) AS updated_at
    FROM range(${n}) t(i)
target: { table: bench.crm, mode: overwrite }
`;

const WEB = (n: number) => `name: gen_web
source:
  kind: sql
  query: |
    SELECT 'e' || i AS event_id,
           CASE WHEN i % 4 = 0 THEN 'user' || ((i * 7919) % ${n} // 2) || '@mail' || (((i * 7919) % ${n}) % 7) || '.com' END AS email,
           'dev-' || (i // 5) AS device_id, TIMESTAMPTZ '2026-01-01 00:00:00Z' + to_seconds(i) AS received_at
    FROM range(${n}) t(i)
target: { table: bench.web, mode: overwrite }
`;

const IDENTITY = `name: bench_identity
kind: identity
inputs:
  - table: bench.crm
    source_id: contact_id
    identifiers: { email: email, phone: phone }
    attributes: { first_name: first_name }
    updated_at: updated_at
  - table: bench.web
    source_id: event_id
    identifiers: { email: email, device_id: device_id }
    updated_at: received_at
match:
  max_per_profile: { email: 3 }
outputs:
  identity_map: bench.identity_map
  profiles: bench.customers
`;

export const identity: Scenario = {
  id: '10',
  key: 'identity',
  title: 'Identity resolution over 1M source records (`floe run`, kind: identity)',
  measures: 'Wall time and peak RSS of `floe run` of an identity pipeline over 1M generated records in two tables (50k with --quick).',
  implemented: true,
  reps: { full: 2, quick: 2 },

  async prepare(ctx) {
    const records = ctx.quick ? 50_000 : 1_000_000;
    const half = records / 2;
    const unavailable = floeUnavailable(ctx);
    const project = join(ctx.cacheDir, `identity-${records}`);
    loadedProject(ctx, project, {
      pipelines: { 'gen_crm.yaml': CRM(half), 'gen_web.yaml': WEB(half), 'bench_identity.yaml': IDENTITY },
      runArgs: ['gen_crm', 'gen_web'],
      what: `generating ${fmtCount(records)} source records`,
    });
    return [
      {
        id: `records-${fmtCount(records).toLowerCase()}`,
        label: `${fmtCount(records)} records`,
        params: { records, tables: 2 },
        contenders: [
          {
            id: 'floe',
            label: 'floe run (identity)',
            role: 'candidate',
            ...optional(unavailable),
            command: () => ({ argv: floeArgv(ctx, '--project', project, 'run', 'bench_identity', '--full-refresh', '--json') }),
            verify: (stdout) => {
              const ev = stdout
                .split('\n')
                .filter((l) => l.startsWith('{'))
                .map((l) => JSON.parse(l) as Record<string, unknown>)
                .find((e) => e.event === 'identity');
              if (!ev) return { problem: `no identity event: ${JSON.stringify(stdout.slice(0, 300))}` };
              if (Number(ev.records) !== records) return { problem: `resolved ${String(ev.records)} records, expected ${records}` };
              return { info: { customers: Number(ev.customers), links: Number(ev.links), cuts: Number(ev.cuts) } };
            },
            timeoutMs: TIMEOUT_MS,
          },
        ],
      },
    ];
  },

  goals(cases) {
    return [rssAtMost('rss', 'peak RSS ≤ 1 GiB', cases[0], 'floe', 1024 ** 3)];
  },
};
