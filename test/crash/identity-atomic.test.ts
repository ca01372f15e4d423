/**
 * An identity run's three outputs (profiles, identity_map, identity_changes) commit in one
 * catalog transaction: killed after sampled FileIO operations (the data files, manifests and
 * metadata files of all three are written before the transaction, which does no FileIO), at
 * seeded moments, and inside the catalog transaction itself (FLOE_FAULT_KILL_IN_COMMIT, after
 * its first and second UPDATE), the run leaves the three tables all at their old snapshots or
 * all at the new ones, each with exactly the rows and the PII tags before or after. Each kill starts from the
 * same warehouse (the first run's), so every kill point tests the same commit.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/floe-process.js';
import type { RunResult } from '../helpers/floe-process.js';
import { parseTableIdentifier } from '../../src/catalog/identifier.js';
import { openCatalog } from '../../src/catalog/open.js';
import { RoutingFileIO } from '../../src/io/resolve.js';
import { loadTable } from '../../src/table/load.js';
import { CrashLab, killLabel, kills, type Kill, type TableState } from './harness.js';

const lab = new CrashLab('identity');
afterAll(() => lab.remove());

const OUTPUTS = ['c360.people', 'c360.map', 'c360.identity_changes'] as const;

const PIPELINE = `name: people
kind: identity
inputs:
  - table: raw.crm
    source_id: id
    identifiers: { email: email, phone: phone }
    attributes: { name: name }
    updated_at: updated_at
  - table: raw.shop
    source_id: order_id
    identifiers: { email: buyer_email }
match:
  max_per_profile: { email: 2 }
outputs:
  identity_map: c360.map
  profiles: c360.people
`;

type Output = TableState & { tags: string[] };

/** What a test compares: identity_changes rows carry the run id and time, so only their count; and the PII tags. */
function content(table: string, s: Output): string[] {
  return [...(table === 'c360.identity_changes' ? [String(s.rows.length)] : s.rows), ...s.tags];
}

/** The outputs' rows, files and floe.pii.* properties. */
async function outputs(): Promise<Record<string, Output>> {
  const out: Record<string, Output> = {};
  const catalog = await openCatalog({ uri: `sqlite:${lab.catalogDb}`, name: 'floe' }, lab.dir);
  try {
    for (const t of OUTPUTS) {
      const props = (await loadTable(catalog, new RoutingFileIO(), parseTableIdentifier(t))).metadata.properties;
      out[t] = { ...(await lab.state(t)), tags: Object.entries(props).filter(([k]) => k.startsWith('floe.pii.')).map(([k, v]) => `${k}=${v}`).sort() };
    }
  } finally {
    await catalog.close();
  }
  return out;
}

describe('an identity run killed before, between and inside its commits', () => {
  it('leaves profiles, identity_map and identity_changes all old or all new', async () => {
    assertBuilt('test/crash');
    lab.write('pipelines/people.yaml', PIPELINE);
    lab.write('data/crm.csv', 'id,email,phone,name,updated_at\n1,ann@x.com,+14155552671,Ann,2024-01-01T00:00:00Z\n2,ANN@x.com,,Annie,2025-01-01T00:00:00Z\n3,bob@y.com,+14155552671,Bob,2024-01-01T00:00:00Z\n4,cy@z.com,+14155552671,Cy,2024-01-01T00:00:00Z\n');
    lab.write('data/shop.csv', 'order_id,buyer_email\nO1,ann@x.com\nO3,dee@w.com\n');
    await lab.ok(['load', 'raw.crm', lab.path('data/crm.csv')]);
    await lab.ok(['load', 'raw.shop', lab.path('data/shop.csv')]);
    await lab.ok(['run', 'people']);
    // The second run's outputs inherit a new tag (profiles.email, identity_changes.identifier_value).
    await lab.ok(['table', 'evolve', 'raw.crm', '--set-property', 'floe.pii.email=email:mask']);
    // New records for the second run: every output changes (a cut is logged on every run).
    lab.write('data/more.csv', 'id,email,phone,name,updated_at\n6,dee@w.com,,Dee,2025-02-01T00:00:00Z\n7,eve@v.com,,Eve,2025-02-01T00:00:00Z\n');
    await lab.ok(['load', 'raw.crm', lab.path('data/more.csv'), '--mode', 'append']);
    const old = await outputs();
    const pristine = lab.path('pristine');
    cpSync(lab.warehouse, pristine, { recursive: true });
    const restore = () => {
      rmSync(lab.warehouse, { recursive: true, force: true });
      cpSync(pristine, lab.warehouse, { recursive: true });
    };

    const args = ['run', 'people'];
    const { ops, ms } = await lab.countOps(args);
    const after = await outputs();
    for (const t of OUTPUTS) {
      expect(after[t]!.metadataLocation, t).not.toBe(old[t]!.metadataLocation);
      expect(content(t, after[t]!), t).not.toEqual(content(t, old[t]!));
    }
    expect(after['c360.people']!.tags).toContain('floe.pii.email=email:mask');
    expect(old['c360.people']!.tags).not.toContain('floe.pii.email=email:mask');
    expect(after['c360.identity_changes']!.tags).toContain('floe.pii.identifier_value=text:mask');

    const verdicts: string[] = [];
    const check = async (label: string, r: Pick<RunResult, 'code' | 'signal' | 'stderr'>, tally = true): Promise<'old' | 'new'> => {
      const now = await outputs();
      const moved = OUTPUTS.map((t) => now[t]!.metadataLocation !== old[t]!.metadataLocation);
      const where = OUTPUTS.map((t, i) => `${t} ${moved[i] ? 'new' : 'old'}`).join(', ');
      expect(new Set(moved).size, `${label}: ${where}\nexit ${r.code ?? r.signal}\n${r.stderr.slice(-1500)}`).toBe(1);
      const outcome = moved[0] ? 'new' : 'old';
      for (const t of OUTPUTS) expect(content(t, now[t]!), `${label}: ${t} (${outcome})`).toEqual(content(t, (outcome === 'new' ? after : old)[t]!));
      if (tally) verdicts.push(outcome);
      return outcome;
    };

    // Every FileIO operation when there are few, else a sample that always includes the last ones.
    const plan: Kill[] = kills(ops, ms, 19, Math.min(ops + 2, 24));
    for (const k of plan) {
      restore();
      await check(killLabel('identity run', k, ops), await lab.killAt(args, k));
    }
    // Inside the transaction: after its first and after its second UPDATE, before COMMIT.
    for (const n of [1, 2]) {
      restore();
      const r = await lab.floe(args, { FLOE_FAULT_KILL_IN_COMMIT: String(n) });
      expect(r.signal === 'SIGKILL' || r.code === 137, `killed inside the catalog transaction after statement ${n}: exit ${r.code ?? r.signal}\n${r.stdout.slice(-800)}\n${r.stderr.slice(-1500)}`).toBe(true);
      expect(await check(`identity run killed inside the catalog transaction after statement ${n}`, r)).toBe('old');
      // What the kill left is writable: the next run commits all three.
      await lab.ok(args);
      expect(await check('the run after the kill', { code: 0, signal: null, stderr: '' }, false)).toBe('new');
    }
    console.log(`crash figures: identity run — ${ops} FileIO operations, ${plan.length + 2} kills: ${verdicts.filter((v) => v === 'old').length} old, ${verdicts.filter((v) => v === 'new').length} new (3 tables each, never mixed)`);
    expect(verdicts).toContain('old');
    expect(verdicts).toContain('new');
    rmSync(join(pristine), { recursive: true, force: true });
  }, 900_000);
});
