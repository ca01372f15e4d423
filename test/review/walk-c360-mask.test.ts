/**
 * The Customer 360 example's personal data under `floe query --mask`: every table the example
 * pipelines load or derive that holds an email address or a phone number (CRM contacts,
 * billing accounts, support tickets, web events, account revenue, the golden records) shows
 * no raw address or number when read masked. The example copies pipelines/ and
 * examples/c360/data as they are.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type Project, ROOT, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

/** The columns of each table that hold an address or a number, as SQL over that table. */
const PERSONAL: Record<string, string[]> = {
  'crm.contacts': ['email', 'phone'],
  'billing.accounts': ['billing_email', 'phone'],
  'support.tickets': ['requester.email', 'requester.phone'],
  'web.events': ['email'],
  'c360.account_revenue': ['billing_email'],
  'c360.customers': ['email', 'phone'],
};

describe('the Customer 360 example read with --mask', () => {
  let p: Project;

  beforeAll(async () => {
    p = await newProject();
    await cp(path.join(ROOT, 'floe.yaml'), p.path('floe.yaml'));
    await cp(path.join(ROOT, 'pipelines'), p.path('pipelines'), { recursive: true });
    await cp(path.join(ROOT, 'examples/c360/data'), p.path('examples/c360/data'), { recursive: true });
    const r = await p.floe(['run', '--all']);
    expect(r.code, show(r)).toBe(0);
  });

  /** Every address and number of the loaded sources, read without --mask. */
  let raw: Set<string>;

  beforeAll(async () => {
    raw = new Set<string>();
    for (const [table, cols] of Object.entries(PERSONAL)) {
      if (table.startsWith('c360.')) continue; // derived: their values come from the sources
      for (const col of cols) {
        for (const row of await p.queryCli(`SELECT DISTINCT CAST(${col} AS VARCHAR) AS v FROM ${table} WHERE ${col} IS NOT NULL`)) {
          const v = String(row.v).toLowerCase();
          if (/@|\d{6}/.test(v)) raw.add(v); // an address or a number worth hiding
        }
      }
    }
    expect(raw.size).toBeGreaterThan(3000);
  });

  it.each(Object.keys(PERSONAL))('%s shows no raw email address or phone number', async (table) => {
    const masked = await p.floe(['query', `SELECT * FROM ${table}`, '--mask', '--format', 'csv']);
    expect(masked.code, show(masked)).toBe(0);
    expect(masked.stdout.split('\n').length).toBeGreaterThan(1000);
    const text = masked.stdout.toLowerCase();
    const leaked = [...raw].filter((v) => text.includes(v));
    expect(leaked.slice(0, 5), `${leaked.length} raw values in the masked read of ${table}`).toEqual([]);
  });

  it.each([
    ['crm.contacts', 'first_name'],
    ['crm.contacts', 'last_name'],
    ['billing.accounts', 'billing_name'],
    ['c360.customers', 'first_name'],
    ['c360.customers', 'last_name'],
  ])('%s.%s shows no name as written', async (table, col) => {
    const names = new Set((await p.queryCli(`SELECT DISTINCT ${col} AS v FROM ${table} WHERE length(${col}) > 3`)).map((r) => String(r.v)));
    expect(names.size).toBeGreaterThan(100);
    const masked = await p.floe(['query', `SELECT DISTINCT ${col} AS v FROM ${table} WHERE ${col} IS NOT NULL`, '--mask', '--format', 'json']);
    expect(masked.code, show(masked)).toBe(0);
    const shown = (JSON.parse(masked.stdout) as { v: string }[]).map((r) => r.v);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.filter((v) => names.has(v)).slice(0, 5)).toEqual([]);
  });
});
