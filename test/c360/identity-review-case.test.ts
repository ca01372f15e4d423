/**
 * Identifier kinds and attributes whose names differ only in case ('email' and 'Email',
 * 'Name' and 'name') are refused by floe validate at their file:line:col: profile column
 * names compare without case, and the run wrote the second as a column 'Email_1' without a
 * word. The reserved profile columns are matched without case too ('Customer_ID').
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('identity profile column names that differ only in case', () => {
  it('validate refuses them, naming both spellings', async () => {
    const p = await newProject();
    await p.pipeline(
      'people',
      `name: people
kind: identity
inputs:
  - table: raw.crm
    source_id: id
    identifiers: { email: email }
    attributes: { Name: full_name }
  - table: raw.shop
    source_id: order_id
    identifiers: { Email: buyer_email }
    attributes: { name: buyer, Customer_ID: cust }
outputs:
  identity_map: c360.map
  profiles: c360.people
`,
    );
    const r = await p.floe(['validate']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/people\.yaml:10:\d+: inputs\[1\]\.identifiers\.Email: 'Email' differs from 'email' only in case/);
    expect(r.stderr).toMatch(/people\.yaml:11:\d+: inputs\[1\]\.attributes\.name: 'name' differs from 'Name' only in case/);
    expect(r.stderr).toContain("'Customer_ID' cannot be an identifier or attribute name: profiles has a column of that name");
  });
});
