/**
 * `floe table register <table> <metadata-file> [--map-location FROM=TO]...`
 * Adopts an existing Iceberg table without rewriting any file. A folder is accepted too:
 * its newest metadata file is used (version-hint.text when present, else the highest
 * version number), which covers tables written without a version hint.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { LocationMapping } from '../../catalog/catalog.js';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { FloeError, notFound, usageError } from '../../errors.js';
import { MappedFileIO } from '../../io/mapped.js';
import { readMetadataFile } from '../../table/load.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, reportingS3Retries } from '../output.js';

export default async function register(
  tableName: string,
  metadataFile: string,
  opts: { mapLocation: string[] },
  cmd: Command,
): Promise<number> {
  const out = consoleOutput();
  // Retried S3 requests: one summary line on stderr at the end (stdout unchanged).
  return reportingS3Retries(out, async () => {
    const id = parseTableIdentifier(tableName);
    const mappings = opts.mapLocation.map(parseMapping);
    const location = await resolveMetadataFile(metadataFile).catch((e: unknown) => {
      if (e instanceof FloeError) throw new FloeError(e.kind, `cannot register ${tableName}: ${e.message}`, { cause: e, context: { ...e.context, table: tableName } });
      throw e;
    });
    await withProject(globalsOf(cmd), async ({ catalog, io }) => {
      const tableIO = mappings.length ? new MappedFileIO(io, mappings) : io;
      const metadata = await readMetadataFile(io, location).catch((e: unknown) => {
        // The file was read for this table: say so (the file is already in the message).
        if (!(e instanceof FloeError)) throw e;
        throw new FloeError(e.kind, `cannot register ${tableName}: ${e.message}`, { cause: e, context: { ...e.context, table: tableName }, ...(e.hint ? { hint: e.hint } : {}) });
      });
      // Prove the mapping works before adopting: the current manifest list must be readable.
      const current = metadata.snapshots.find((s) => s['snapshot-id'] === metadata['current-snapshot-id']);
      if (current && current['manifest-list'] && !(await tableIO.exists(current['manifest-list']))) {
        throw notFound(`table ${tableName}: the current snapshot's manifest list is not found at ${current['manifest-list']}`, {
          hint: 'Its stored locations point elsewhere; add --map-location STORED_PREFIX=ACTUAL_PREFIX.',
          context: { table: tableName, file: current['manifest-list'] },
        });
      }
      if (!(await catalog.namespaceExists(id.namespace))) await catalog.createNamespace(id.namespace);
      await catalog.createTable(id, location);
      if (mappings.length) await catalog.setLocationMappings(id, mappings);
      out.out(
        `registered ${tableName} from ${location} (format v${metadata['format-version']}, ${metadata.snapshots.length} snapshots${mappings.length ? `, ${mappings.length} location mapping(s)` : ''})`,
      );
    });
    return 0;
  });
}

function parseMapping(text: string): LocationMapping {
  const i = text.indexOf('=');
  if (i <= 0 || i === text.length - 1) throw usageError(`--map-location expects FROM=TO, got "${text}"`);
  const from = text.slice(0, i);
  let to = text.slice(i + 1);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(to)) to = resolve(to);
  return { from, to };
}

async function resolveMetadataFile(arg: string): Promise<string> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg) && !arg.startsWith('file:')) return arg;
  const path = resolve(arg.replace(/^file:(\/\/)?/, ''));
  const info = await stat(path).catch(() => null);
  if (!info) throw notFound(`metadata file not found: ${path}`, { context: { file: path } });
  if (!info.isDirectory()) return path;
  const dir = (await stat(join(path, 'metadata')).catch(() => null))?.isDirectory() ? join(path, 'metadata') : path;
  const hint = await readFile(join(dir, 'version-hint.text'), 'utf8').catch(() => null);
  const names = await readdir(dir);
  if (hint !== null) {
    const v = hint.trim();
    const byHint = names.find((n) => n === `v${v}.metadata.json` || n === `v${v}.gz.metadata.json` || n.startsWith(`${v.padStart(5, '0')}-`));
    if (byHint) return join(dir, byHint);
  }
  const versioned = names
    .map((n) => ({ n, v: /^v?(\d+)(?:-.*)?(?:\.gz)?\.metadata\.json(?:\.gz)?$/.exec(n)?.[1] }))
    .filter((x): x is { n: string; v: string } => x.v !== undefined)
    .sort((a, b) => Number(b.v) - Number(a.v));
  if (!versioned[0]) throw notFound(`no metadata file in ${dir}`, { context: { file: dir } });
  return join(dir, versioned[0].n);
}
