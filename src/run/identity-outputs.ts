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
  // Every table written so far: by whom, and whether it is an appended identity_changes.
  const written = new Map<string, { name: string; what: string; changes: boolean }>();
  const claim = (f: PipelineFile, table: string, what: string, path: (string | number)[], changes: boolean) => {
    const other = written.get(table);
    if (other === undefined) {
      written.set(table, { name: f.name, what, changes });
      return;
    }
    const at = { file: f.file, ...locate(f.source, path), path: path.join('.') };
    if (changes && other.changes) {
      out.push({ ...at, message: `pipeline ${other.name} also appends its merges, splits and cuts to ${table}: the rows do not say which pipeline wrote them (only run_id does); give each pipeline its own outputs.identity_changes`, severity: 'warning' });
    } else {
      out.push({ ...at, message: `${what} ${table} is also written by pipeline ${other.name} (its ${other.what}): each run would replace the other's, and an identity run would resolve against the other pipeline's map; give it a table of its own`, severity: 'error' });
    }
  };
  // Two ingest pipelines may write one table (load.ts warns): only identity outputs are claimed against them.
  for (const f of files) if (f.pipeline.kind === 'ingest' && !written.has(f.pipeline.target.table)) written.set(f.pipeline.target.table, { name: f.name, what: 'target', changes: false });
  for (const f of files) {
    const p = f.pipeline;
    if (p.kind !== 'identity') continue;
    claim(f, p.outputs.identity_map, 'identity_map', ['outputs', 'identity_map'], false);
    claim(f, p.outputs.profiles, 'profiles', ['outputs', 'profiles'], false);
    claim(f, changesTable(p), 'identity_changes', p.outputs.identity_changes ? ['outputs', 'identity_changes'] : ['outputs', 'identity_map'], true);
  }
  return out;
}
