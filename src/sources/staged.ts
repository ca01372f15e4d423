/**
 * Input files read from object storage are staged to local paths for DuckDB
 * (io.localPath), so DuckDB's messages and its `filename` column name a path under the
 * stage cache, which means nothing to the user and is gone after the run. This module stages
 * them itself, remembering each staged path's `s3://` location, so that messages, the file
 * column of quarantined rows and `floe load` errors name the location instead.
 *
 * Staged paths are unique per process (a private stage folder), so one process-wide map is
 * exact.
 */
import { FloeError } from '../errors.js';
import { quoteIdent, quoteLiteral } from '../engine/sql.js';
import type { FileIO } from '../io/fileio.js';
import { objectLocations } from '../io/s3-glob.js';
import { SOURCE_FILE_COLUMN, type Extracted, type Source, type SourceContext } from './source.js';

const locations = new Map<string, string>();

/** Local paths of the object-store files named by `paths` (files or globs), sorted by location. */
export async function stageRemote(io: FileIO, paths: readonly string[]): Promise<string[]> {
  return Promise.all(
    (await objectLocations(io, paths)).map(async (location) => {
      const local = await io.localPath(location);
      if (local !== location) locations.set(local, location);
      return local;
    }),
  );
}

/** The location a file was staged from, or the file itself. */
export const locationOf = (file: string): string => locations.get(file) ?? file;

/** `text` with every staged path replaced by its location. */
export function withLocations(text: string): string {
  let out = text;
  for (const [local, location] of locations) if (out.includes(local)) out = out.split(local).join(location);
  return out;
}

/** A FloeError with staged paths in its message and context replaced by their locations. */
export function errorWithLocations(e: unknown): unknown {
  if (!(e instanceof FloeError) || locations.size === 0) return e;
  const message = withLocations(e.message);
  const files = e.files.map(locationOf);
  if (message === e.message && files.every((f, i) => f === e.files[i])) return e;
  const context = Object.fromEntries(Object.entries(e.context).map(([k, v]) => [k, typeof v === 'string' ? withLocations(v) : v]));
  return new FloeError(e.kind, message, { cause: e, context, hint: e.hint, retryable: e.retryable, files });
}

/** SQL mapping a file-path column of `files` to their locations (the column itself when none was staged). */
export function locationSql(column: string, files: readonly string[]): string {
  const staged = files.filter((f) => locations.has(f));
  if (staged.length === 0) return column;
  return `CASE ${column} ${staged.map((f) => `WHEN ${quoteLiteral(f)} THEN ${quoteLiteral(locations.get(f)!)}`).join(' ')} ELSE ${column} END`;
}

/**
 * A file source whose errors, `describe`, file column and quarantined rows' `source` name
 * the `s3://` location of staged files instead of their stage path.
 */
export function namingLocations(source: Source): Source {
  return {
    kind: source.kind,
    async extract(ctx: SourceContext): Promise<Extracted> {
      let out: Extracted;
      try {
        out = await source.extract(ctx);
      } catch (e) {
        throw errorWithLocations(e);
      }
      if (locations.size === 0) return out;
      const staged = [...locations.keys()];
      const cols = await ctx.engine.columns(`SELECT * FROM ${quoteIdent(out.relation)}`, `read the source of ${ctx.pipeline}`, { kind: 'source' });
      let relation = out.relation;
      if (cols.some((c) => c.name === SOURCE_FILE_COLUMN)) {
        relation = ctx.engine.uniqueName('located');
        const file = quoteIdent(SOURCE_FILE_COLUMN);
        await ctx.engine.run(
          `CREATE OR REPLACE TEMP VIEW ${quoteIdent(relation)} AS SELECT * REPLACE (${locationSql(file, staged)} AS ${file}) FROM ${quoteIdent(out.relation)}`,
          'name the staged files by their locations',
        );
      }
      const original = out.rejects;
      const rejects = original ? ctx.engine.uniqueName('located_rejects') : undefined;
      // The source's rejects relation may only exist once its afterScan has run (CSV).
      const afterScan = async () => {
        await out.afterScan?.();
        if (original && rejects) {
          await ctx.engine.run(
            `CREATE OR REPLACE TEMP VIEW ${quoteIdent(rejects)} AS SELECT * REPLACE (${locationSql('source', staged)} AS source) FROM ${quoteIdent(original)}`,
            'name the staged files of the rejects by their locations',
          );
        }
      };
      return { ...out, relation, rejects, afterScan, describe: withLocations(out.describe) };
    },
  };
}
