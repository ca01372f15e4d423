/**
 * The tables an identity pipeline writes: identity_changes' default name, and `floe validate`'s
 * check that no other pipeline writes them. Kept free of DuckDB and the catalog, so validate
 * loads only this.
 */
import type { Diagnostic } from '../pipeline/diagnostics.js';
import { locate, type YamlSource } from '../pipeline/parse.js';
import type { IdentityPipeline, Pipeline } from '../pipeline/schema-pipeline.js';

/** identity_changes: as given, or `<namespace of identity_map>.identity_changes`. */
export function changesTable(p: IdentityPipeline): string {
  if (p.outputs.identity_changes) return p.outputs.identity_changes;
  const map = p.outputs.identity_map;
  return `${map.slice(0, map.lastIndexOf('.'))}.identity_changes`;
}

/** A pipeline of the project, for identityOutputDiagnostics. */
export interface PipelineFile {
  name: string;
  file: string;
  source: YamlSource;
  pipeline: Pipeline;
}

/**
 * Tables an identity pipeline writes that another pipeline writes too. Its identity_map and
 * profiles are overwritten by every run: a second writer (another identity pipeline, or an
 * ingest target) replaces them, and the next run resolves against that other map, recording
 * its differences as merges and splits and moving ids back and forth; an error. Two identity
 * pipelines appending to one identity_changes (the default, `<namespace of identity_map>
 * .identity_changes`, when their maps share a namespace) is allowed but its rows do not say
 * which pipeline wrote them: a warning.
 */
export function identityOutputDiagnostics(files: readonly PipelineFile[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  type Claim = { f: PipelineFile; what: string; path: (string | number)[]; changes: boolean };
  // Every table written so far: by whom, and whether it is an appended identity_changes.
  const written = new Map<string, Claim>();
  // Each claimant is told, the first one too: `floe run <one pipeline>` keeps only the
  // diagnostics of the files it runs, and the first would otherwise run and replace the other's table.
  const told = new Set<string>();
  const tell = (c: Claim, other: Claim, table: string) => {
    const key = `${c.f.file}\0${c.path.join('.')}\0${other.f.name}`;
    if (told.has(key)) return;
    told.add(key);
    const at = { file: c.f.file, ...locate(c.f.source, c.path), path: c.path.join('.') };
    if (c.changes && other.changes) {
      out.push({ ...at, message: `pipeline ${other.f.name} also appends its merges, splits and cuts to ${table}: the rows do not say which pipeline wrote them (only run_id does); give each pipeline its own outputs.identity_changes`, severity: 'warning' });
    } else {
      out.push({ ...at, message: `${c.what} ${table} is also written by pipeline ${other.f.name} (its ${other.what}): each run would replace the other's, and an identity run would resolve against the other pipeline's map; give it a table of its own`, severity: 'error' });
    }
  };
  const claim = (f: PipelineFile, table: string, what: string, path: (string | number)[], changes: boolean) => {
    const mine = { f, what, path, changes };
    const other = written.get(table);
    if (other === undefined) {
      written.set(table, mine);
      return;
    }
    tell(mine, other, table);
    tell(other, mine, table);
  };
  // Two ingest pipelines may write one table (load.ts warns): only identity outputs are claimed against them.
  for (const f of files) if (f.pipeline.kind === 'ingest' && !written.has(f.pipeline.target.table)) written.set(f.pipeline.target.table, { f, what: 'target', path: ['target', 'table'], changes: false });
  for (const f of files) {
    const p = f.pipeline;
    if (p.kind !== 'identity') continue;
    claim(f, p.outputs.identity_map, 'identity_map', ['outputs', 'identity_map'], false);
    claim(f, p.outputs.profiles, 'profiles', ['outputs', 'profiles'], false);
    claim(f, changesTable(p), 'identity_changes', p.outputs.identity_changes ? ['outputs', 'identity_changes'] : ['outputs', 'identity_map'], true);
  }
  return out;
}
