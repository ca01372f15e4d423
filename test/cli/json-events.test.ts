/**
 * `floe load --json` (DESIGN §3): NDJSON events on stdout, one parseable object a line
 * (start, commit, end), logs and errors on stderr only, no spinner or progress text when
 * stdout is not a TTY.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, catalogPointer, expectFailure, floeIn, show, smallCsv, useTmpDirs, writeProject } from './helpers.js';

const tmp = useTmpDirs('floe-cli-json-');
let project: string;

beforeAll(async () => {
  assertBuilt();
  project = await writeProject(await tmp());
});

interface Event {
  event: string;
  time: string;
  [k: string]: unknown;
}

/** Every stdout line is one JSON object with an event name and an ISO time. */
function events(stdout: string): Event[] {
  const lines = stdout.split('\n');
  expect(lines.pop(), 'stdout ends with a newline').toBe('');
  return lines.map((line) => {
    let e: unknown;
    expect(() => (e = JSON.parse(line)), `not JSON: ${line}`).not.toThrow();
    expect(typeof e === 'object' && e !== null && !Array.isArray(e), line).toBe(true);
    const ev = e as Event;
    expect(typeof ev.event, line).toBe('string');
    expect(Number.isNaN(Date.parse(ev.time)), line).toBe(false);
    return ev;
  });
}

/** A long as written in the raw text, exactly (JSON.parse would round beyond 2^53). */
function rawField(stdout: string, event: string, field: string): string {
  const line = stdout.split('\n').find((l) => l.includes(`"event":"${event}"`));
  expect(line, `${event} event`).toBeDefined();
  const m = new RegExp(`"${field}"\\s*:\\s*"?(-?\\d+)"?`).exec(line!);
  expect(m, `${field} in ${line}`).not.toBeNull();
  return m![1]!;
}

describe('floe load --json', () => {
  it('creating a table: start, commit, end on stdout, each parseable; nothing else on stdout', async () => {
    const input = path.join(project, 'a.csv');
    await writeFile(input, smallCsv(250));
    const r = await floeIn(project, ['load', 'raw.j', input, '--json']);
    expect(r.code, show(r)).toBe(0);
    const ev = events(r.stdout);
    expect(ev.map((e) => e.event)).toEqual(['start', 'commit', 'end']);
    expect(ev[0]).toMatchObject({ command: 'load', table: 'raw.j', files: 1, format: 'csv' });
    expect(ev[1]).toMatchObject({ table: 'raw.j', files: 1, rows: 250 });
    expect(ev[2]).toMatchObject({ status: 'ok' });
    expect(typeof ev[2]!.duration_ms).toBe('number');
    // The human summary is not printed in --json mode, and stderr carries no event.
    expect(r.stdout).not.toMatch(/created raw\.j/);
    expect(r.stderr).not.toMatch(/"event"/);
    expect(r.stderr).not.toMatch(/[\u280b\u2819\u2839\u2838\u283c\u2834\u2826\u2827\u2807\u280f]|\r/); // no spinner off a TTY

    // The committed snapshot id, exact, is the table's current snapshot.
    const snapshotId = rawField(r.stdout, 'commit', 'snapshot_id');
    const s = await floeIn(project, ['snapshots', 'raw.j', '--json']);
    expect(s.code, show(s)).toBe(0);
    expect(s.stdout).toMatch(new RegExp(`"snapshot-id"\\s*:\\s*"?${snapshotId}\\b`));
  });

  it('appending: same three events, rows of this load only', async () => {
    const input = path.join(project, 'b.csv');
    await writeFile(input, smallCsv(40, 1000));
    const r = await floeIn(project, ['load', 'raw.j', input, '--json']);
    expect(r.code, show(r)).toBe(0);
    const ev = events(r.stdout);
    expect(ev.map((e) => e.event)).toEqual(['start', 'commit', 'end']);
    expect(ev[1]).toMatchObject({ table: 'raw.j', rows: 40 });
  });

  it('a failed load: stdout stays NDJSON, the error goes to stderr, exit code per DESIGN §3', async () => {
    const pointer = catalogPointer(project, 'raw.j');
    const input = path.join(project, 'bad.csv');
    await writeFile(input, 'id,name,amount\nx,a,b\n');
    const r = await floeIn(project, ['load', 'raw.j', input, '--json']);
    expectFailure(r, 1, ['raw.j', '"id"']);
    const ev = events(r.stdout);
    expect(ev.map((e) => e.event)).not.toContain('commit');
    expect(r.stdout).not.toContain('floe:');
    expect(catalogPointer(project, 'raw.j')).toBe(pointer);
  });

  it('a usage error with --json: nothing on stdout', async () => {
    const r = await floeIn(project, ['load', 'raw.j', path.join(project, 'a.csv'), '--json', '--mode', 'upsert']);
    expectFailure(r, 2, ['--mode']);
    expect(r.stdout).toBe('');
  });
});
