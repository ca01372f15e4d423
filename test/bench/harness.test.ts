/**
 * The benchmark harness's self-test. It runs the real runner (bench/run.ts) in --quick mode
 * on the synthetic `selftest` scenario, with each peak-RSS method, into a temp results dir,
 * and checks the files and fields it writes. No assertion is about time: timings on a
 * shared 2-core machine are noise, and goals on them are judged by `npm run bench` only.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeLatest } from '../../bench/lib/report.js';
import type { Report, Scenario, ScenarioResult } from '../../bench/lib/types.js';
import { SCENARIOS } from '../../bench/scenarios/index.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function bench(env: Record<string, string>): Promise<{ dir: string; stdout: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'floe-bench-test-'));
  dirs.push(dir);
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'selftest', '--quick', '--results-dir', dir], {
    cwd: repo,
    env: { ...process.env, ...env },
  });
  return { dir, stdout };
}

describe.each(['gnu-time', 'procfs'])('npm run bench selftest --quick (peak RSS by %s)', (method) => {
  let out: { dir: string; stdout: string } | undefined;
  const results = async (): Promise<{ dir: string; stdout: string }> => (out ??= await bench({ FLOE_BENCH_RSS: method }));

  it('writes a timestamped JSON, latest.json and latest.md', async () => {
    const { dir } = await results();
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(3);
    expect(files).toEqual(expect.arrayContaining(['latest.json', 'latest.md']));
    expect(files.find((f) => !f.startsWith('latest'))).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.json$/);
  });

  it('records every run, medians, ratios, peak RSS and the environment', async () => {
    const { dir } = await results();
    const latest = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as Report;
    expect(latest.schema).toBe('floe-bench/1');
    const s = latest.scenarios.find((x) => x.id === 'selftest')!;
    expect(s).toMatchObject({ status: 'measured', quick: true, reps: 2 });
    expect(s.env).toMatchObject({ rss_method: method, node: process.version });
    expect(s.env!.git_commit).toMatch(/^[0-9a-f]{12}$/);
    expect(s.env!.load_avg_before).toHaveLength(3);

    const [alloc, node] = s.cases![0]!.contenders;
    for (const k of [alloc!, node!]) {
      expect(k.status).toBe('ok');
      expect(k.runs).toHaveLength(2);
      for (const r of k.runs) {
        expect(r).toMatchObject({ ok: true, exit_code: 0 });
        expect(r.wall_ms).toBeGreaterThan(0);
        expect(r.peak_rss_bytes).toBeGreaterThan(0);
      }
      expect(k.median_wall_ms).toBeGreaterThan(0);
      expect(k.peak_rss_bytes).toBe(Math.max(...k.runs.map((r) => r.peak_rss_bytes!)));
    }
    expect(alloc!.role).toBe('candidate');
    expect(alloc!.candidate_over_this).toBe(1);
    expect(node!.candidate_over_this).toBeCloseTo(alloc!.median_wall_ms! / node!.median_wall_ms!, 6);
    expect(node!.command).toBe('node -e 0');
  });

  it('measures peak RSS: the 64 MiB the candidate holds show up', async () => {
    const { dir } = await results();
    const s = (JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as Report).scenarios.find((x) => x.id === 'selftest')!;
    expect(s.goals.map((g) => [g.id, g.met])).toEqual([
      ['rss-seen', true],
      ['rss-cap', true],
    ]);
  });

  it('renders latest.md with the goal column and the scenarios not yet implemented', async () => {
    const { dir, stdout } = await results();
    const md = readFileSync(join(dir, 'latest.md'), 'utf8');
    expect(md).toContain('| # | Scenario | Goal | Measured | Met |');
    expect(md).toMatch(/\| selftest \| Harness self-test \*\(quick\)\* \| peak RSS shows the 64 MiB .*\| \*\*yes\*\* \|/);
    expect(md).toMatch(/\| selftest \| 64 MiB \| node -e 0 \| 2\/2 \| [\d.]+ m?s \| [\d.]+× \| \d+ MiB \|/);
    const notYet = SCENARIOS.filter((x) => !x.implemented && !x.hidden).map((x) => x.id);
    for (const id of notYet) expect(md).toMatch(new RegExp(`^\\| ${id} \\| .* \\| — \\| not yet implemented \\| — \\|$`, 'm'));
    // Scenarios that were not run this time have no figures at all.
    expect(md).not.toMatch(/^\| 1 \|/m);
    expect(stdout).toContain('| # | Scenario | Goal | Measured | Met |');
  });
});

describe('latest.* merging', () => {
  const result = (id: string, quick: boolean, tag: string): ScenarioResult => ({
    id,
    key: id,
    title: tag,
    measures: '',
    status: 'measured',
    quick,
    goals: [],
  });
  const previous: Report = { schema: 'floe-bench/1', generated_at: 'then', scenarios: [result('1', false, 'old full 1'), result('7', false, 'old full 7')] };

  it('keeps a full result over a quick one, replaces it with a full one, and keeps what was not run', () => {
    const { report, kept } = mergeLatest(SCENARIOS, previous, [result('1', true, 'new quick 1')], 'now');
    expect(kept).toEqual(['1']);
    expect(report.scenarios.find((s) => s.id === '1')!.title).toBe('old full 1');
    expect(report.scenarios.find((s) => s.id === '7')!.title).toBe('old full 7');
    const full = mergeLatest(SCENARIOS, previous, [result('1', false, 'new full 1')], 'now').report;
    expect(full.scenarios.find((s) => s.id === '1')!.title).toBe('new full 1');
  });

  it('lists every scenario in order, the unimplemented ones as stubs without figures', () => {
    // Every scenario of the issue is implemented now: two stubs stand in for future ones.
    const stub = (id: string): Scenario => ({ id, key: `later-${id}`, title: `Later ${id}`, measures: '', implemented: false });
    const { report } = mergeLatest([stub('8'), ...SCENARIOS, stub('9')], undefined, [], 'now');
    expect(report.scenarios.map((s) => [s.id, s.status])).toEqual([
      ['8', 'not-implemented'],
      ['9', 'not-implemented'],
    ]);
    expect(report.scenarios.every((s) => s.goals.length === 0 && s.cases === undefined)).toBe(true);
  });
});
