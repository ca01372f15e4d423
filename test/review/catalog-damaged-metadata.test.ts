/**
 * Damaged current metadata that decodes: a last-sequence-number below a snapshot's sequence
 * number, and a snapshot listed twice. floe used to read both, and an append on the first gave
 * its new snapshot a sequence number its parent already had (1 after 2), so deletes would apply
 * in the wrong order: a write built on the damage. Iceberg Java refuses to load both. Now
 * every command names the table, the file and the inconsistency, exits 1 and changes nothing.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floeIn, show, smallCsv, useTmpDirs, writeProject } from '../cli/helpers.js';

const tmp = useTmpDirs('floe-damaged-md-');
let project: string;
let csv: string;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
  csv = path.join(project, 'a.csv');
  await writeFile(csv, smallCsv(3));
});

/** Two appends, then `damage` applied to the text of the current metadata file. */
async function damagedTable(table: string, damage: (text: string) => string): Promise<string> {
  for (let i = 0; i < 2; i++) {
    const r = await floeIn(project, ['load', table, csv]);
    expect(r.code, show(r)).toBe(0);
  }
  const pointer = catalogPointer(project, table)!;
  const before = readFileSync(pointer, 'utf8');
  const after = damage(before);
  expect(after).not.toBe(before);
  writeFileSync(pointer, after);
  return pointer;
}

async function expectRefusedEverywhere(table: string, pointer: string, problem: string): Promise<void> {
  const folder = path.join(project, 'warehouse', ...table.split('.'));
  const files = () => readdirSync(folder, { recursive: true }).sort();
  const before = files();
  for (const args of [['describe', table], ['snapshots', table], ['query', `SELECT count(*) FROM ${table}`], ['load', table, csv], ['load', table, csv, '--mode', 'overwrite']]) {
    expectFailure(await floeIn(project, args), 1, [`table ${table}: ${pointer}: ${problem}`, `floe table drop ${table}`]);
  }
  expect(catalogPointer(project, table)).toBe(pointer);
  expect(files()).toEqual(before);
}

describe('current metadata that decodes but contradicts itself', () => {
  it('last-sequence-number below a snapshot\'s sequence number: refused by reads and writes, nothing changes', async () => {
    const pointer = await damagedTable('raw.seq', (t) => t.replace(/"last-sequence-number":2,/, '"last-sequence-number":0,'));
    const id = /"sequence-number":2,"snapshot-id":(\d+)/.exec(readFileSync(pointer, 'utf8'))?.[1];
    expect(id).toBeDefined();
    await expectRefusedEverywhere('raw.seq', pointer, `last-sequence-number is 0, below the sequence number 2 of snapshot ${id}`);
  }, 120_000);

  it('a snapshot listed twice: refused by reads and writes, nothing changes', async () => {
    const pointer = await damagedTable('raw.dup', (t) => {
      const m = /"snapshots":\[(\{.*?"manifest-list":"[^"]*"[^}]*\})/.exec(t)!;
      return t.replace(`"snapshots":[${m[1]}`, `"snapshots":[${m[1]},${m[1]}`);
    });
    const first = /"snapshots":\[\{[^}]*?"snapshot-id":(\d+)/.exec(readFileSync(pointer, 'utf8'))?.[1];
    expect(first).toBeDefined();
    await expectRefusedEverywhere('raw.dup', pointer, `snapshots lists snapshot ${first} twice`);
  }, 120_000);
});
