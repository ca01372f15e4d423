/**
 * Results files. Each invocation writes results/<timestamp>.json with what it ran, and
 * merges into results/latest.json + latest.md (the committed ones) scenario by scenario:
 * `npm run bench 7` refreshes scenario 7 and keeps the others' figures. A --quick result
 * never replaces a full one in latest.* (it stays in its timestamped file), so a quick
 * check cannot overwrite the figures that goals are judged on.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmtBytes, fmtMs, fmtRatio } from './format.js';
import type { Report, Scenario, ScenarioResult } from './types.js';

export function stubResult(s: Scenario): ScenarioResult {
  return { id: s.id, key: s.key, title: s.title, measures: s.measures, status: 'not-implemented', goals: [] };
}

export function readLatest(dir: string): Report | undefined {
  const path = join(dir, 'latest.json');
  if (!existsSync(path)) return undefined;
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as Report;
    return r.schema === 'floe-bench/1' ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The new latest: every registered scenario in order, each from this run, the old latest, or a stub. */
export function mergeLatest(
  registry: Scenario[],
  previous: Report | undefined,
  fresh: ScenarioResult[],
  now: string,
): { report: Report; kept: string[] } {
  const kept: string[] = [];
  const scenarios: ScenarioResult[] = [];
  for (const s of registry) {
    const old = previous?.scenarios.find((x) => x.id === s.id && x.status !== 'not-implemented');
    const neu = fresh.find((x) => x.id === s.id);
    if (!s.implemented) scenarios.push(stubResult(s));
    else if (neu && old && neu.quick && !old.quick) {
      kept.push(s.id);
      scenarios.push(old);
    } else if (neu) scenarios.push(neu);
    else if (old) scenarios.push(old);
  }
  return { report: { schema: 'floe-bench/1', generated_at: now, scenarios }, kept };
}

export function writeResults(dir: string, stamp: string, run: Report, latest: Report): { timestamped: string } {
  mkdirSync(dir, { recursive: true });
  const timestamped = join(dir, `${stamp}.json`);
  writeFileSync(timestamped, JSON.stringify(run, null, 2) + '\n');
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(latest, null, 2) + '\n');
  writeFileSync(join(dir, 'latest.md'), toMarkdown(latest));
  return { timestamped };
}

const yesNo = (met: boolean | null): string => (met === null ? 'not judged' : met ? '**yes**' : '**no**');
const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function goalsTable(report: Report): string {
  const lines = ['| # | Scenario | Goal | Measured | Met |', '|---|---|---|---|---|'];
  for (const s of report.scenarios) {
    const title = cell(s.title) + (s.quick ? ' *(quick)*' : '');
    if (s.status === 'not-implemented') {
      lines.push(`| ${s.id} | ${title} | — | not yet implemented | — |`);
      continue;
    }
    if (s.goals.length === 0) lines.push(`| ${s.id} | ${title} | — | ${cell(s.note ?? s.status)} | — |`);
    for (const g of s.goals) lines.push(`| ${s.id} | ${title} | ${cell(g.text)} | ${cell(g.measured)} | ${yesNo(g.met)} |`);
  }
  return lines.join('\n') + '\n';
}

export function toMarkdown(report: Report): string {
  const out: string[] = [
    '# floe benchmarks: latest results',
    '',
    `Written by \`npm run bench\` on ${report.generated_at}; do not edit by hand. What each scenario measures, ` +
      'and how time and memory are measured: [bench/README.md](../README.md).',
    '',
    '## Goals',
    '',
    goalsTable(report),
    '## Measurements',
    '',
    'Median wall time over the runs; peak RSS is the largest over the runs, per process. ' +
      '"candidate / this" is the candidate\'s (floe\'s) median wall time over this process\'s.',
    '',
    '| # | Case | Process | Runs | Median wall | candidate / this | Peak RSS |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const s of report.scenarios) {
    for (const c of s.cases ?? []) {
      for (const k of c.contenders) {
        const runs = k.status === 'not-run' ? 'not run' : `${k.runs.filter((r) => r.ok).length}/${k.runs.length}${k.status === 'failed' ? ' (failed)' : ''}`;
        const ratio = k.role === 'candidate' ? 'candidate' : fmtRatio(k.candidate_over_this);
        out.push(`| ${s.id} | ${cell(c.label)} | ${cell(k.label)} | ${runs} | ${fmtMs(k.median_wall_ms)} | ${ratio} | ${fmtBytes(k.peak_rss_bytes)} |`);
      }
    }
  }
  out.push('', '## Notes', '');
  for (const s of report.scenarios) {
    if (s.status === 'not-implemented' || !s.env) continue;
    const e = s.env;
    out.push(
      `- **${s.id}. ${s.title}**: ${s.measures} Measured ${s.measured_at}${s.quick ? ' with --quick' : ''}, ` +
        `${s.reps} rep(s) per process, alternating. floe at ${e.git_commit}${e.git_uncommitted_src ? ' plus uncommitted changes in src/' : ''}` +
        `${e.floe_built_at ? ` (dist/ built ${e.floe_built_at})` : ''}` +
        `${e.floe_rebuilt_during_run ? ', **and dist/ was rebuilt during the runs**' : ''}` +
        `${e.head_moved_during_run ? ' (HEAD moved during the runs)' : ''}; ` +
        `node ${e.node}, ${e.cpus}× ${e.cpu}, ${fmtBytes(e.mem_bytes)} RAM, ${e.platform}. ` +
        `Peak RSS by ${e.rss_method === 'gnu-time' ? '/usr/bin/time (ru_maxrss)' : 'polling /proc VmHWM'}. ` +
        `Load average (1/5/15 min) ${e.load_avg_before.join(' / ')} before, ${e.load_avg_after.join(' / ')} after.`,
    );
    for (const c of s.cases ?? []) {
      for (const k of c.contenders) {
        const bits = [k.info ? Object.entries(k.info).map(([a, b]) => `${a} ${b}`).join(', ') : '', k.status !== 'ok' && k.note ? `${k.status}: ${k.note}` : '']
          .filter(Boolean)
          .join('; ');
        if (bits) out.push(`  - ${c.label}, ${k.label}: ${cell(bits)}`);
      }
    }
  }
  out.push('');
  return out.join('\n');
}
