/**
 * `floe table register <table> <metadata-file> [--map-location FROM=TO]...`
 * Adopts an existing Iceberg table without rewriting any file. A folder is accepted too:
 * its newest metadata file is used (version-hint.text when present, else the highest
 * version number), which covers tables written without a version hint.
 */
import { refuseCaseTwin } from '../../table/new-table.js';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { formatTableId, type Catalog, type LocationMapping } from '../../catalog/catalog.js';
import { parseTableIdentifier } from '../../catalog/identifier.js';
import { alreadyExists, FloeError, isFloeError, notFound, usageError } from '../../errors.js';
import type { FileIO } from '../../io/fileio.js';
import type { TableMetadata } from '../../iceberg/types.js';
import { MappedFileIO } from '../../io/mapped.js';
import { readMetadataFile } from '../../table/load.js';
import { locationKey } from '../../table/reachable.js';
import { globalsOf, withProject } from '../context.js';
import { consoleOutput, reportingS3Retries } from '../output.js';
import { currentSnapshot } from '../../table/snapshot-select.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

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
    const named = (e: unknown): never => {
      if (e instanceof FloeError) throw new FloeError(e.kind, `cannot register ${tableName}: ${e.message}`, { cause: e, context: { ...e.context, table: tableName } });
      throw e;
    };
    const local = await resolveMetadataFile(metadataFile).catch(named);
    await withProject(globalsOf(cmd), async ({ catalog, io }) => {
      const location = local ?? (await resolveRemoteMetadataFile(io, metadataFile).catch(named));
      const tableIO = mappings.length ? new MappedFileIO(io, mappings) : io;
      const metadata = await readMetadataFile(io, location).catch((e: unknown) => {
        // The file was read for this table: say so (the file is already in the message).
        if (!(e instanceof FloeError)) throw e;
        throw new FloeError(e.kind, `cannot register ${tableName}: ${e.message}`, { cause: e, context: { ...e.context, table: tableName }, ...(e.hint ? { hint: e.hint } : {}) });
      });
      // Prove the mapping works before adopting: the current manifest list must be readable.
      const current = currentSnapshot(metadata);
      const list = current?.['manifest-list'];
      if (list) {
        const hint = mappingHint(metadata.location, list, location, mappings);
        const found = await tableIO.exists(list).catch((e: unknown) => {
          // Stored locations in a store floe cannot reach (another cloud, no credentials) are the usual reason after a copy.
          if (!(e instanceof FloeError)) throw e;
          throw new FloeError(e.kind, `cannot register ${tableName}: the current snapshot's manifest list ${list} cannot be read: ${e.message}`, {
            cause: e,
            context: { ...e.context, table: tableName, file: list },
            hint: hint ?? e.hint,
          });
        });
        if (!found) {
          throw notFound(`cannot register ${tableName}: the current snapshot's manifest list is not found at ${list}`, {
            hint: hint ?? 'Its stored locations point elsewhere; add --map-location STORED_PREFIX=ACTUAL_PREFIX.',
            context: { table: tableName, file: list },
          });
        }
      }
      if (!mappings.length) await refuseCopyElsewhere(tableName, metadata, location, list);
      // Without a mapping, new commits go to the stored location: that must not be another entry's either.
      await refuseSecondEntry(catalog, tableName, location, mappings.length ? undefined : metadata.location);
      await refuseCaseTwin(catalog, id, 'usage');
      if (!(await catalog.namespaceExists(id.namespace))) await catalog.createNamespace(id.namespace);
      await catalog.createTable(id, location);
      if (mappings.length) await catalog.setLocationMappings(id, mappings);
      out.out(
        `registered ${tableName} from ${location} (format v${metadata['format-version']}, ${plural(metadata.snapshots.length, 'snapshot')}${mappings.length ? `, ${plural(mappings.length, 'location mapping')}` : ''})`,
      );
    });
    return 0;
  });
}

/**
 * The metadata file lies in `<root>/metadata/` but the metadata says the table lives elsewhere
 * (copied from another warehouse or bucket): the --map-location that reads it from here.
 *
 * FROM is the prefix the manifest list is stored under, which is what has to be mapped: a
 * writer may spell the table's `location` otherwise (duckdb-iceberg's lineitem_iceberg_gz
 * says `./lineitem_iceberg_gz` and stores `lineitem_iceberg_gz/metadata/snap-….avro`), and a
 * mapping of the `location` then maps nothing.
 */
function mappingHint(stored: string, list: string, metadataFile: string, mappings: readonly LocationMapping[]): string | undefined {
  const key = metadataFile.replace(/^file:(\/\/)?/, '');
  const i = key.lastIndexOf('/metadata/');
  if (i <= 0) return undefined;
  const root = key.slice(0, i);
  const location = stored.replace(/\/+$/, '');
  const j = list.lastIndexOf('/metadata/');
  const from = j > 0 ? list.slice(0, j) : location;
  if (from === root || from.replace(/^file:(\/\/)?/, '') === root || mappings.some((m) => list.startsWith(m.from))) return undefined;
  const says = from === location ? `the table lives at ${from}` : `the table lives at ${location} and names its files ${from}/…`;
  return `its metadata says ${says}, but the metadata file is under ${root}; if the table was copied here, add --map-location ${from}=${root}`;
}

/**
 * A metadata file in `<root>/metadata/` of a table whose metadata says it lives elsewhere,
 * with the files still there (a copy made while the original is in place, for example in
 * another catalog's warehouse): adopted as it is, floe would read the original's files and
 * commit, expire and purge under the original's location, deleting files the original still
 * reads. Refused without --map-location, which reads the copy (or, given as LOCATION=LOCATION,
 * adopts the files where the metadata says they are). A metadata file under the table's
 * `write.metadata.path` is where its writer put it and is accepted.
 */
async function refuseCopyElsewhere(tableName: string, metadata: TableMetadata, metadataFile: string, list: string | undefined): Promise<void> {
  const root = metadataRoot(metadataFile);
  if (root === undefined) return;
  const stored = locationKey(metadata.location).replace(/\/+$/, '');
  if (root === `${stored}/`) return;
  const metadataPath = metadata.properties?.['write.metadata.path'];
  if (metadataPath && locationKey(metadataFile).startsWith(`${locationKey(metadataPath).replace(/\/+$/, '')}/`)) return;
  const here = root.replace(/\/$/, '');
  // The same local folder spelt otherwise: through a symlink or bind mount (/mnt/wh → /data/wh),
  // or a location relative to the current folder (duckdb-iceberg's `./lineitem_iceberg_gz`).
  if (await sameLocalFolder(here, stored)) return;
  // What to map is the prefix the files are stored under (mappingHint), not always the location.
  const j = list?.lastIndexOf('/metadata/') ?? -1;
  const from = j > 0 ? list!.slice(0, j) : metadata.location.replace(/\/+$/, '');
  throw usageError(`cannot register ${tableName}: its metadata says the table lives at ${metadata.location}, not at ${here} where this metadata file is; registered as it is, floe would read that table's files and commit, expire and purge there`, {
    context: { table: tableName, file: metadataFile },
    hint: `if ${here} is a copy, read it there: add --map-location ${from}=${here}; to adopt the table at ${metadata.location} itself, register a metadata file from its metadata/ folder (or give --map-location ${from}=${from})`,
  });
}

/** Whether two local paths (plain or file:) name one existing folder; false for object-store locations. */
async function sameLocalFolder(a: string, b: string): Promise<boolean> {
  const local = (p: string) => (/^[a-z][a-z0-9+.-]*:/i.test(p) && !/^file:/i.test(p) ? undefined : p.replace(/^file:(\/\/)?/i, ''));
  const [x, y] = [local(a), local(b)];
  if (x === undefined || y === undefined) return false;
  const [rx, ry] = await Promise.all([realpath(x).catch(() => undefined), realpath(y).catch(() => undefined)]);
  return rx !== undefined && rx === ry;
}

/**
 * Two catalog entries over the same table files would be two tables that each think they own
 * them: a commit to one is invisible to the other, and expiring one deletes files the other
 * still reads. Registering a metadata file from the metadata folder of a table this catalog
 * already has is refused (to move a table back to an earlier metadata file, drop it first).
 */
async function refuseSecondEntry(catalog: Catalog, tableName: string, metadataFile: string, writesTo: string | undefined): Promise<void> {
  const roots = new Set([metadataRoot(metadataFile), writesTo === undefined ? undefined : `${locationKey(writesTo).replace(/\/+$/, '')}/`]);
  roots.delete(undefined);
  if (roots.size === 0) return;
  for (const other of await catalog.listTables()) {
    const entry = await catalog.getTable(other).catch((e: unknown) => {
      if (isFloeError(e, 'not-found')) return null;
      throw e;
    });
    if (!entry) continue;
    // A table adopted with --map-location stores locations that are read from elsewhere: compare where its files really are.
    const mapped = (await catalog.getLocationMappings(other)).find((m) => entry.metadataLocation.startsWith(m.from));
    const actual = mapped ? mapped.to + entry.metadataLocation.slice(mapped.from.length) : entry.metadataLocation;
    if (roots.has(metadataRoot(entry.metadataLocation)) || roots.has(metadataRoot(actual))) {
      const name = formatTableId(other);
      throw alreadyExists(`cannot register ${tableName}: ${metadataFile} is a metadata file of table ${name}, which this catalog already has (at ${entry.metadataLocation})`, {
        context: { table: tableName, file: metadataFile, other: name },
        hint: `two catalog entries over the same files would overwrite each other's history; to go back to this metadata file, \`floe table drop ${name}\` (without --purge) and register it again`,
      });
    }
  }
}

/** `<root>/` of a metadata file in `<root>/metadata/`, as a location key; undefined otherwise. */
function metadataRoot(metadataFile: string): string | undefined {
  const key = locationKey(metadataFile);
  const i = key.lastIndexOf('/metadata/');
  return i > 0 ? key.slice(0, i + 1) : undefined;
}

function parseMapping(text: string): LocationMapping {
  const i = text.indexOf('=');
  if (i <= 0 || i === text.length - 1) throw usageError(`--map-location expects FROM=TO, got "${text}"`);
  const from = text.slice(0, i);
  let to = text.slice(i + 1);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(to)) to = resolve(to);
  return { from, to };
}

/** A local metadata file or folder resolved to its metadata file; undefined for a remote location (resolved through the FileIO). */
async function resolveMetadataFile(arg: string): Promise<string | undefined> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg) && !arg.startsWith('file:')) return undefined;
  const path = resolve(arg.replace(/^file:(\/\/)?/, ''));
  const info = await stat(path).catch(() => null);
  if (!info) throw notFound(`metadata file not found: ${path}`, { context: { file: path } });
  if (!info.isDirectory()) return path;
  const dir = (await stat(join(path, 'metadata')).catch(() => null))?.isDirectory() ? join(path, 'metadata') : path;
  const hint = await readFile(join(dir, 'version-hint.text'), 'utf8').catch(() => null);
  const picked = pickMetadataFile(await readdir(dir), hint);
  if (!picked) throw notFound(`no metadata file in ${dir}`, { context: { file: dir } });
  return join(dir, picked);
}

/**
 * An `s3://...` argument: a metadata file as given, or a table folder (or its metadata folder)
 * resolved like a local one, by listing it through the FileIO.
 */
async function resolveRemoteMetadataFile(io: FileIO, arg: string): Promise<string> {
  if (/\.metadata\.json(?:\.gz)?$/.test(arg)) return arg;
  const folder = arg.replace(/\/+$/, '');
  const children = async (dir: string) => {
    const names: string[] = [];
    for await (const f of io.list(`${dir}/`)) {
      const rest = f.location.slice(dir.length + 1);
      if (rest !== '' && !rest.includes('/')) names.push(rest);
    }
    return names;
  };
  let dir = `${folder}/metadata`;
  let names = await children(dir);
  if (names.length === 0) {
    dir = folder;
    names = await children(dir);
  }
  const hint = names.includes('version-hint.text') ? new TextDecoder().decode(await io.read(`${dir}/version-hint.text`)) : null;
  const picked = pickMetadataFile(names, hint);
  if (!picked) throw notFound(`no metadata file in ${folder}/metadata`, { context: { file: folder } });
  return `${dir}/${picked}`;
}

/** The metadata file version-hint.text names, else the highest version number; undefined when there is none. */
function pickMetadataFile(names: readonly string[], hint: string | null): string | undefined {
  if (hint !== null) {
    const v = hint.trim();
    const byHint = names.find((n) => n === `v${v}.metadata.json` || n === `v${v}.gz.metadata.json` || n.startsWith(`${v.padStart(5, '0')}-`));
    if (byHint) return byHint;
  }
  const versioned = names
    .map((n) => ({ n, v: /^v?(\d+)(?:-.*)?(?:\.gz)?\.metadata\.json(?:\.gz)?$/.exec(n)?.[1] }))
    .filter((x): x is { n: string; v: string } => x.v !== undefined)
    .sort((a, b) => Number(b.v) - Number(a.v));
  return versioned[0]?.n;
}
