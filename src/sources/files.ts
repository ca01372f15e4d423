/**
 * Shared by the file sources: expanding and checking the configured paths. DuckDB expands
 * globs itself; a path without a glob that does not exist is reported here, by name.
 */
import { internalError, notFound, sourceError } from '../errors.js';
import { compressionProblem, isZstdName } from '../io/decompressed.js';
import { resolveFiles } from '../ingest/file-source.js';
import { quoteLiteral } from '../engine/sql.js';
import { splitObjectStorePaths } from '../io/s3-glob.js';
import { stageRemote } from './staged.js';
import type { SourceContext } from './source.js';

/**
 * Local paths DuckDB can read: local files and globs resolved against the project folder;
 * s3:// files and globs listed and staged into the local stage cache through the FileIO
 * (staged.ts remembers their locations for messages and the file column).
 */
export async function sourceFiles(paths: readonly string[], ctx: SourceContext): Promise<string[]> {
  const { remote, local } = splitObjectStorePaths(paths);
  if (remote.length === 0) return resolveFiles(paths, ctx.projectDir);
  if (!ctx.io) throw internalError(`pipeline ${ctx.pipeline}: no FileIO to read ${remote[0]}`);
  const staged = await stageRemote(ctx.io, remote);
  return [...(await resolveFiles(local, ctx.projectDir)), ...staged];
}

export const fileListSql = (files: readonly string[]) => `[${files.map(quoteLiteral).join(', ')}]`;

/** `a.csv, b.csv (+3 more)` for messages. */
export function describeFiles(files: readonly string[]): string {
  return files.length <= 3 ? files.join(', ') : `${files.slice(0, 3).join(', ')} (+${files.length - 3} more)`;
}

/**
 * Globs expanded by DuckDB, sorted; no match at all is an error naming the patterns. A `.gz`
 * or `.zst` file that is not one whole compressed stream is refused, naming it (refuseBrokenCompression).
 */
export async function expandFiles(ctx: SourceContext, files: readonly string[]): Promise<string[]> {
  const rows = await ctx.engine.all(`SELECT DISTINCT file FROM glob(${fileListSql(files)}) ORDER BY file`, `list the files of pipeline ${ctx.pipeline}`, { kind: 'source' });
  const out = rows.map((r) => String(r.file));
  if (out.length === 0) throw notFound(`pipeline ${ctx.pipeline}: no file matches ${files.join(', ')}`, { context: { pipeline: ctx.pipeline } });
  await refuseBrokenCompression(out, ctx.signal);
  return out;
}

/**
 * Refuses a `.gz` or `.zst` input cut off or damaged, naming it. DuckDB's reader stops quietly
 * at some cuts of a gzip stream and returns the rows before it (the last one shortened), so
 * each compressed file is read to its end (a gzip file's checksum too) before anything is read
 * from it (io/decompressed.ts compressionProblem).
 */
export async function refuseBrokenCompression(files: readonly string[], signal?: AbortSignal): Promise<void> {
  for (const file of files) {
    const why = await compressionProblem(file, signal);
    if (why === undefined) continue;
    const format = isZstdName(file) ? 'zstd' : 'gzip';
    throw sourceError(`${file}: not a whole ${format} file (${why}); nothing was read from it`, {
      context: { file },
      files: [file],
      hint: `The file was cut off or damaged, e.g. by a copy or download that stopped early: fetch it again. \`${format} -t FILE\` tells whether it is whole.`,
    });
  }
}
