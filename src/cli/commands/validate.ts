/** `floe validate [pipeline...]`: every problem in floe.yaml and the pipeline files at once, with file:line:col. */
import type { Command } from 'commander';
import { formatDiagnostic, hasErrors } from '../../pipeline/diagnostics.js';
import { validateProject } from '../../pipeline/load.js';
import { EXIT_USAGE } from '../exit.js';
import { globalsOf } from '../context.js';
import { consoleOutput } from '../output.js';

export default async function validate(pipelines: string[], opts: { json?: boolean }, cmd: Command): Promise<number> {
  const out = consoleOutput();
  const load = await validateProject(globalsOf(cmd).project, { select: pipelines, checkSql: true });
  const errors = hasErrors(load.diagnostics);
  if (opts.json) {
    out.out(JSON.stringify({ ok: !errors, pipelines: load.pipelines.map((p) => p.name), diagnostics: load.diagnostics }, null, 2));
    return errors ? EXIT_USAGE : 0;
  }
  for (const d of load.diagnostics) out.err(formatDiagnostic(d));
  if (errors) {
    const n = load.diagnostics.filter((d) => d.severity === 'error').length;
    out.err(`\n${n} error${n === 1 ? '' : 's'}`);
    return EXIT_USAGE;
  }
  out.out(`${load.pipelines.length} pipeline${load.pipelines.length === 1 ? '' : 's'} valid: ${load.pipelines.map((p) => p.name).join(', ') || '(none)'}`);
  return 0;
}
