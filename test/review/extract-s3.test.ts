/**
 * s3:// inputs with bad content (the moto S3 server of scripts/provision-services.sh, a local
 * warehouse): messages, the quarantine and `floe load` name the file by its s3:// location,
 * never by the local stage path it was downloaded to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3.js';
import { S3_ENV, s3FloeYaml } from '../cli/s3-project.js';
import { createTestBucket, s3Endpoint, testSettings } from '../helpers/s3.js';
import { assertBuilt, type Project, show, useProjects } from '../run/helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();
const enc = (s: string) => new TextEncoder().encode(s);

let io: S3FileIO;
let bucket: string;
let p: Project;
beforeAll(async () => {
  bucket = await createTestBucket('floe-extract-s3');
  io = new S3FileIO(testSettings());
  p = await newProject();
  await p.write('floe.yaml', `${s3FloeYaml({ warehouse: './warehouse', endpoint: s3Endpoint(), catalog: './warehouse/catalog.db', maxAttempts: 2 })}pipelines: pipelines/\n`);
  await io.write(`s3://${bucket}/in/events.jsonl`, enc('{"id":1}\n[2]\n{"id":3}\n'));
  await io.write(`s3://${bucket}/in/orders.csv`, enc('id,n\n1,a\n2,b,extra\n3,c\n'));
  await io.write(`s3://${bucket}/in/cut.csv`, enc('id,n\n1,a\n2,"b\n3,c\n'));
});
afterAll(() => io?.client.destroy());

describe('s3:// inputs with bad content', () => {
  it('quarantined JSON Lines and CSV rows name the s3:// file', async () => {
    await p.pipeline('events', `source: { kind: jsonl, path: "s3://${bucket}/in/events.jsonl" }\ntarget: { table: raw.events }\nrejects: { max_ratio: 0.5 }\n`);
    await p.pipeline('orders', `source: { kind: csv, path: "s3://${bucket}/in/orders.csv" }\ntarget: { table: raw.orders }\nrejects: { max_ratio: 0.5 }\n`);
    await p.run(['events', 'orders'], 0, S3_ENV);
    expect(await p.query('SELECT source, line, raw FROM raw.events__rejects')).toEqual([{ source: `s3://${bucket}/in/events.jsonl`, line: 2, raw: '[2]' }]);
    expect(await p.query('SELECT source, line, raw FROM raw.orders__rejects')).toEqual([{ source: `s3://${bucket}/in/orders.csv`, line: 3, raw: '2,b,extra' }]);
    expect(await p.query('SELECT id FROM raw.events ORDER BY id')).toEqual([{ id: 1 }, { id: 3 }]);
  });

  it('a run and a load that fail on a malformed s3:// CSV name its location and line, not the stage path', async () => {
    await p.pipeline('cut', `source: { kind: csv, path: "s3://${bucket}/in/cut.csv" }\ntarget: { table: raw.cut }\n`);
    const r = await p.run(['cut'], 1, S3_ENV);
    expect(r.stderr).toContain(`s3://${bucket}/in/cut.csv:3: `);
    expect(r.stderr).not.toMatch(/floe-stage/);
    const l = await p.floe(['load', 'raw.cut', `s3://${bucket}/in/cut.csv`], S3_ENV);
    expect(l.code, show(l)).toBe(1);
    expect(l.stderr).toContain(`s3://${bucket}/in/cut.csv:3: `);
    expect(l.stderr).not.toMatch(/floe-stage/);
    const j = await p.floe(['load', 'raw.events2', `s3://${bucket}/in/events.jsonl`], S3_ENV);
    expect(j.code, show(j)).toBe(1);
    expect(j.stderr).toContain(`s3://${bucket}/in/events.jsonl:2: not a JSON object (an array)`);
    expect(await p.exists('raw.cut')).toBe(false);
    expect(await p.exists('raw.events2')).toBe(false);
  });
});
