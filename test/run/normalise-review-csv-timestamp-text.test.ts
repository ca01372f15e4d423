/**
 * A CSV column with `normalize: timestamp` and a `zone:` but no `format:` is read as the
 * file's text. It used to be typed by DuckDB's sniffer: once one value had an offset, the
 * column was TIMESTAMP WITH TIME ZONE, every value without an offset was read in UTC, and the
 * normaliser got UTC text, so the rule's zone was ignored and no daylight-saving overlap was
 * flagged, silently (exit 0, nothing in the rejects table).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, show, useProjects } from './helpers.js';

beforeAll(assertBuilt);
const newProject = useProjects();

describe('normalize: timestamp over a CSV column without format', () => {
  it('reads values without an offset in the zone, values with one as they say, and flags the overlap', async () => {
    const p = await newProject();
    await p.write('data/events.csv', ['id,seen', '1,2026-07-01T12:00:00Z', '2,2026-07-01 08:00:00', '3,2026-11-01 01:30:00', '4,2026-07-01 14:00:00+02:00', ''].join('\n'));
    await p.pipeline(
      'events',
      ['source: { kind: csv, path: data/events.csv }', 'columns:', '  seen: { normalize: timestamp, zone: America/New_York, type: timestamptz }', 'target: { table: app.events }', ''].join('\n'),
    );
    const run = await p.floe(['run', 'events']);
    expect(run.code, show(run)).toBe(0);
    const rows = await p.query("SELECT id, strftime(seen AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M') AS seen FROM app.events ORDER BY id");
    expect(rows).toEqual([
      { id: 1, seen: '2026-07-01T12:00' },
      { id: 2, seen: '2026-07-01T12:00' }, // 08:00 EDT
      { id: 3, seen: '2026-11-01T05:30' }, // 01:30 happened twice in New York: the earlier (EDT)
      { id: 4, seen: '2026-07-01T12:00' },
    ]);
    const rejects = await p.query('SELECT reason, kept FROM app.events__rejects');
    expect(rejects).toEqual([{ reason: 'column seen: ambiguous (a local time repeated by a daylight-saving change; the earlier instant was chosen)', kept: true }]);
  });
});
