/**
 * The mess examples/c360/README.md promises is really in the committed sources, and the
 * ground truth accounts for every identity-bearing record. Read through floe's own
 * normalisers, so this also shows what they make of realistic data.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { blockList, normalizeCountry, normalizeEmail, normalizePhone, normalizeTimestamp } from '../../src/c360/normalize/index.js';

const data = join(import.meta.dirname, '../../examples/c360/data');
type Row = Record<string, unknown>;

/** RFC 4180 fields of one line (the exports have no quoted newlines). */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') (cur += '"'), i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) out.push(cur), (cur = '');
    else cur += c;
  }
  return [...out, cur];
}

function csv(rel: string): { header: string[]; lines: string[][] } {
  const [head = '', ...rest] = readFileSync(join(data, rel), 'utf8').trimEnd().split('\n');
  return { header: fields(head), lines: rest.map(fields) };
}

const shape = (s: string) => s.replace(/\d/g, '9');
const billingFiles = (prefix: string) => readdirSync(join(data, 'billing')).filter((f) => f.startsWith(prefix)).sort();

let truth: Map<string, string>;
let contacts: Row[];
let tickets: Row[];
let badTicketLines: number;
let events: Row[];

beforeAll(async () => {
  truth = new Map(csv('ground_truth.csv').lines.map(([t, id, p]) => [`${t}|${id}`, p as string]));
  const db = new Database(join(data, 'crm.db'), { readonly: true });
  contacts = db.prepare('SELECT * FROM contacts').all() as Row[];
  db.close();
  tickets = [];
  badTicketLines = 0;
  for (const line of readFileSync(join(data, 'support/tickets.jsonl'), 'utf8').trimEnd().split('\n')) {
    try {
      tickets.push(JSON.parse(line) as Row);
    } catch {
      badTicketLines++;
    }
  }
  const duck = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const con = await duck.connect();
  await con.run("SET TimeZone = 'UTC'");
  const file = join(data, 'web/events.parquet').replace(/'/g, "''");
  events = (await con.runAndReadAll(`SELECT *, epoch_ms(event_time) AS t, epoch_ms(received_at) AS r FROM '${file}'`)).getRowObjectsJson() as Row[];
  con.closeSync();
  duck.closeSync();
});

const person = (table: string, id: unknown) => truth.get(`${table}|${String(id)}`);

describe('examples/c360 ground truth', () => {
  it('assigns every identity-bearing record, and nothing else, to one person', () => {
    const accounts = csv('billing/accounts.csv').lines.map((l) => l[0]);
    const expected = [
      ...contacts.map((c) => `crm.contacts|${String(c.contact_id)}`),
      ...accounts.map((a) => `billing.accounts|${a}`),
      ...new Set(tickets.map((t) => `support.tickets|${String(t.ticket_id)}`)),
      ...new Set(events.map((e) => `web.events|${String(e.event_id)}`)),
    ];
    expect(new Set(expected).size).toBe(expected.length);
    expect([...truth.keys()].sort()).toEqual(expected.sort());
    expect([...new Set(truth.values())].every((p) => /^[PVX]\d{4,5}$/.test(p))).toBe(true);
    expect(truth.size).toBeGreaterThan(5000);
  });

  it('has people with several records in one source (duplicates) and across all four', () => {
    const perPerson = (table: string) => {
      const n = new Map<string, number>();
      for (const [k, p] of truth) if (k.startsWith(`${table}|`)) n.set(p, (n.get(p) ?? 0) + 1);
      return n;
    };
    expect([...perPerson('crm.contacts').values()].filter((n) => n > 1).length).toBeGreaterThan(50);
    expect([...perPerson('billing.accounts').values()].filter((n) => n > 1).length).toBeGreaterThan(30);
    const sources = new Map<string, Set<string>>();
    for (const [k, p] of truth) sources.set(p, (sources.get(p) ?? new Set()).add(k.split('|')[0] as string));
    expect([...sources.values()].filter((s) => s.size === 4).length).toBeGreaterThan(100);
  });
});

describe('examples/c360 mess', () => {
  it('spells one mailbox several ways (case, Gmail dots and +tags): same match key, different stored values', () => {
    const values = new Map<string, Set<string>>();
    const keys = new Map<string, Set<string>>();
    const add = (p: string | undefined, raw: unknown) => {
      const n = normalizeEmail(raw);
      if (p === undefined || n.value === null || n.matchKey === undefined) return;
      values.set(p, (values.get(p) ?? new Set()).add(n.value));
      keys.set(p, (keys.get(p) ?? new Set()).add(n.matchKey));
    };
    for (const c of contacts) add(person('crm.contacts', c.contact_id), c.email);
    for (const t of tickets) add(person('support.tickets', t.ticket_id), (t.requester as Row).email);
    const variants = [...values].filter(([p, v]) => v.size > 1 && keys.get(p)?.size === 1);
    expect(variants.length).toBeGreaterThan(20);
    const raw = contacts.map((c) => c.email).filter((e): e is string => typeof e === 'string');
    expect(raw.some((e) => e !== e.trim())).toBe(true);
    expect(raw.some((e) => /[A-Z]/.test(e))).toBe(true);
    expect(raw.filter((e) => normalizeEmail(e).reject === 'invalid-email').length).toBeGreaterThan(5);
  });

  it('writes phones in many shapes, with junk, 00 prefixes and extensions', () => {
    const raw = contacts.map((c) => c.phone).filter((p): p is string => typeof p === 'string');
    expect(new Set(raw.map(shape)).size).toBeGreaterThan(30);
    const results = raw.map((p) => normalizePhone(p, { region: 'US' }));
    expect(results.filter((r) => r.flags?.includes('international-prefix-00')).length).toBeGreaterThan(10);
    expect(results.filter((r) => r.value?.includes(';ext=')).length).toBeGreaterThan(5);
    expect(results.filter((r) => r.reject === 'invalid-phone').length).toBeGreaterThan(20);
  });

  it('shares a household phone between different people', () => {
    const owners = new Map<string, Set<string>>();
    for (const c of contacts) {
      const v = normalizePhone(c.phone, { region: 'US' }).value;
      const p = person('crm.contacts', c.contact_id);
      if (v && p?.startsWith('P')) owners.set(v, (owners.get(v) ?? new Set()).add(p));
    }
    expect([...owners.values()].filter((s) => s.size > 1).length).toBeGreaterThan(5);
  });

  it('spells countries as codes, names and typos', () => {
    const raw = contacts.map((c) => c.country).filter((c): c is string => typeof c === 'string');
    expect(new Set(raw).size).toBeGreaterThan(35);
    const unknown = raw.filter((c) => normalizeCountry(c).reject === 'unknown-country');
    expect(unknown.length).toBeGreaterThan(3);
    expect(unknown.length).toBeLessThan(raw.length * 0.03);
    expect(new Set(csv('billing/accounts.csv').lines.map((l) => l[4])).has('GBR')).toBe(true);
  });

  it('mixes timestamp formats in the CRM and puts callback times in DST gaps and overlaps', () => {
    expect(contacts.filter((c) => /^\d\d\/\d\d\/\d{4}$/.test(String(c.created_at))).length).toBeGreaterThan(10);
    const flags = tickets
      .map((t) => t.callback as { requested_for: string; timezone: string } | null)
      .filter((c) => c !== null)
      .flatMap((c) => normalizeTimestamp(c.requested_for, { zone: c.timezone }).flags ?? []);
    expect(flags.filter((f) => f === 'nonexistent').length).toBeGreaterThanOrEqual(4);
    expect(flags.filter((f) => f === 'ambiguous').length).toBeGreaterThanOrEqual(2);
  });

  it('has test accounts whose identifiers are blocked by default, each its own X person', () => {
    const blocked = blockList();
    const tests = contacts.filter((c) => person('crm.contacts', c.contact_id)?.startsWith('X'));
    expect(tests.length).toBeGreaterThan(4);
    expect(tests.filter((c) => blocked.isBlocked('email', normalizeEmail(c.email).value) !== undefined).length).toBeGreaterThan(4);
    const ids = tests.map((c) => person('crm.contacts', c.contact_id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has late-arriving and restated invoices, a schema change, and malformed rows', () => {
    const files = billingFiles('invoices_');
    expect(files.length).toBeGreaterThanOrEqual(12);
    const seen = new Map<string, number>();
    let broken = 0;
    let earlier = 0;
    for (const f of files) {
      const { header, lines } = csv(`billing/${f}`);
      expect(header.includes('discount')).toBe(f >= 'invoices_2026');
      const [, y, q] = /(\d{4})-Q(\d)/.exec(f) ?? [];
      const start = `${y}-${String((Number(q) - 1) * 3 + 1).padStart(2, '0')}-01`;
      for (const l of lines) {
        if (l.length !== header.length || !/^\d{4}-\d\d-\d\d$/.test(l[2] ?? '') || !/^\d+\.\d\d$/.test(l[7] ?? '')) broken++;
        else if ((l[2] as string) < start) earlier++;
        seen.set(l[0] as string, (seen.get(l[0] as string) ?? 0) + 1);
      }
    }
    expect([...seen.values()].filter((n) => n > 1).length).toBeGreaterThan(100); // restated
    expect(earlier).toBeGreaterThan(100);
    expect(broken).toBeGreaterThanOrEqual(3);
    expect(csv('billing/accounts.csv').lines.filter((l) => l.length !== 11).length).toBe(3);
    expect(badTicketLines).toBe(4);
  });

  it('has ticket updates, some arriving out of order', () => {
    const ids = tickets.map((t) => String(t.ticket_id));
    expect(ids.length - new Set(ids).size).toBeGreaterThan(100);
    const outOfOrder = tickets.filter((t, i) => i > 0 && String(t.updated_at) < String(tickets[i - 1]?.updated_at));
    expect(outOfOrder.length).toBeGreaterThan(5);
  });

  it('has web events with a shared zero device id, duplicates, late arrivals and clock skew', () => {
    const zero = events.filter((e) => e.device_id === '00000000-0000-0000-0000-000000000000');
    expect(new Set(zero.map((e) => person('web.events', e.event_id))).size).toBeGreaterThan(3);
    expect(events.length - new Set(events.map((e) => e.event_id)).size).toBeGreaterThan(10);
    const t = (e: Row, k: 't' | 'r') => Number(e[k]);
    expect(events.filter((e) => t(e, 'r') - t(e, 't') > 86_400_000).length).toBeGreaterThan(50);
    expect(events.filter((e) => t(e, 't') > t(e, 'r')).length).toBeGreaterThan(5);
    expect(events.filter((e) => e.email !== null || e.loyalty_number !== null).length).toBeGreaterThan(1000);
  });
});
