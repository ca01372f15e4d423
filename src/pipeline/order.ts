/**
 * Run order. A `sql` pipeline reads catalog tables by name and an identity pipeline reads its
 * inputs, so each must run after the pipelines that write those tables. Deciding the order is
 * pure (STYLE §3): names in, order and diagnostics out.
 */
import type { Diagnostic } from './diagnostics.js';
import type { Pipeline } from './schema-pipeline.js';

export interface OrderInput {
  name: string;
  file: string;
  pipeline: Pipeline;
  /** Where the pipeline names what it reads (source.query, inputs), for the cycle diagnostic. */
  readsAt?: { line: number; col: number; path: string };
}

export interface RunOrder {
  /** Every pipeline, dependencies first; ties broken by name so the order is stable. */
  order: string[];
  /** Waves that may run concurrently: every pipeline's dependencies are in earlier waves. */
  levels: string[][];
  /** name → names of the pipelines it reads from. */
  dependsOn: Map<string, string[]>;
  diagnostics: Diagnostic[];
}

/** Tables a pipeline writes. */
export function writesTables(p: Pipeline): string[] {
  return p.kind === 'identity' ? [p.outputs.identity_map, p.outputs.profiles] : [p.target.table];
}

/**
 * SQL text with comments and string literals blanked and simple quoted identifiers unquoted,
 * so only the names the SQL really uses remain: `WHERE note = 'see crm.contacts'` names no table.
 */
export function sqlNamesOnly(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"([a-z_][a-z0-9_]*)"/gi, '$1');
}

/** `ns.table` names in SQL text, lower-cased (see sqlNamesOnly). */
export function tableNamesInSql(sql: string): string[] {
  const code = sqlNamesOnly(sql);
  const names = new Set<string>();
  // A preceding '.' or word character means the match is the tail of a longer dotted name.
  for (const m of code.matchAll(/(?<![\w.])([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)/g)) {
    names.add(`${m[1]}.${m[2]}`.toLowerCase());
  }
  return [...names];
}

/** Tables a pipeline reads from the catalog. */
export function readsTables(p: Pipeline): string[] {
  if (p.kind === 'identity') return p.inputs.map((i) => i.table);
  if (p.source.kind === 'sql') return tableNamesInSql(p.source.query);
  return [];
}

export function runOrder(pipelines: readonly OrderInput[]): RunOrder {
  const diagnostics: Diagnostic[] = [];
  const writers = new Map<string, string[]>();
  for (const p of pipelines) for (const t of writesTables(p.pipeline)) writers.set(t, [...(writers.get(t) ?? []), p.name]);

  const dependsOn = new Map<string, string[]>();
  for (const p of pipelines) {
    // Reading one's own target (an incremental sql pipeline) is not a dependency.
    const deps = readsTables(p.pipeline).flatMap((t) => writers.get(t) ?? []).filter((n) => n !== p.name);
    dependsOn.set(p.name, [...new Set(deps)].sort());
  }

  // Kahn's algorithm, one wave at a time.
  const remaining = new Map([...dependsOn].map(([n, d]) => [n, new Set(d)]));
  const levels: string[][] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, d]) => d.size === 0).map(([n]) => n).sort();
    if (ready.length === 0) break;
    levels.push(ready);
    for (const n of ready) remaining.delete(n);
    for (const d of remaining.values()) for (const n of ready) d.delete(n);
  }

  if (remaining.size > 0) {
    const byName = new Map(pipelines.map((p) => [p.name, p]));
    for (const cycle of findCycles(remaining)) {
      const first = byName.get(cycle[0]!)!;
      diagnostics.push({
        file: first.file,
        line: first.readsAt?.line ?? 1,
        col: first.readsAt?.col ?? 1,
        path: first.readsAt?.path ?? '',
        message: `pipelines read each other's tables in a cycle: ${[...cycle, cycle[0]].join(' → ')} (→ reads from); no order can run them`,
        severity: 'error',
      });
    }
    // Still list them, after everything else, so callers that only warn can go on.
    levels.push([...remaining.keys()].sort());
  }
  return { order: levels.flat(), levels, dependsOn, diagnostics };
}

/** One cycle per strongly connected group among the unresolved pipelines, starting at its smallest name. */
function findCycles(graph: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const covered = new Set<string>();
  for (const start of [...graph.keys()].sort()) {
    if (covered.has(start)) continue;
    // Follow dependencies until a node repeats; the repeated stretch is a cycle.
    const path: string[] = [];
    let node: string | undefined = start;
    while (node !== undefined && !path.includes(node)) {
      path.push(node);
      node = [...(graph.get(node) ?? [])].sort()[0];
    }
    if (node === undefined || covered.has(node)) {
      path.forEach((n) => covered.add(n));
      continue;
    }
    const cycle = path.slice(path.indexOf(node));
    const min = cycle.indexOf([...cycle].sort()[0]!);
    cycles.push([...cycle.slice(min), ...cycle.slice(0, min)]);
    path.forEach((n) => covered.add(n));
  }
  return cycles;
}
