/** Source kind → implementation. Driver-backed sources load their driver lazily. */
import type { Catalog } from '../catalog/catalog.js';
import { unsupportedError } from '../errors.js';
import type { FileIO } from '../io/fileio.js';
import type { LoadedPipeline } from '../pipeline/load.js';
import type { Source as SourceConfig } from '../pipeline/schema-source.js';
import type { Source } from './source.js';
import { namingLocations } from './staged.js';

export async function createSource(config: SourceConfig, resolved: LoadedPipeline['resolved'], catalog: Catalog, io: FileIO): Promise<Source> {
  switch (config.kind) {
    // File sources name s3:// inputs by their location, not by their local stage path.
    case 'csv':
      return namingLocations((await import('./csv.js')).csvSource({ ...config, path: resolved.paths ?? config.path }));
    case 'json':
    case 'jsonl':
      return namingLocations((await import('./json.js')).jsonSource({ ...config, path: resolved.paths ?? config.path }));
    case 'parquet':
      return namingLocations((await import('./parquet.js')).parquetSource({ ...config, path: resolved.paths ?? config.path }));
    case 'sql':
      return (await import('./sql.js')).sqlSource(config, catalog, io);
    default:
      return driverSource(config, resolved);
  }
}

async function driverSource(config: SourceConfig, resolved: LoadedPipeline['resolved']): Promise<Source> {
  // Literal import() specifiers: the CLI bundle (scripts/bundle.mjs) makes each one a chunk.
  const modules: Record<string, () => Promise<unknown>> = {
    postgres: () => import('./postgres.js'),
    mysql: () => import('./mysql.js'),
    sqlite: () => import('./sqlite.js'),
    http: () => import('./http.js'),
  };
  const load = modules[config.kind];
  if (!load) throw unsupportedError(`source kind ${config.kind} is not supported`);
  let mod: Record<string, unknown>;
  try {
    mod = (await load()) as Record<string, unknown>;
  } catch (e) {
    throw unsupportedError(`source kind ${config.kind} is not available in this build of floe`, { cause: e });
  }
  const factory = mod[`${config.kind}Source`] as ((c: SourceConfig) => Source) | undefined;
  if (!factory) throw unsupportedError(`source kind ${config.kind} is not available in this build of floe`);
  const c = config.kind === 'sqlite' && resolved.connection ? { ...config, connection: resolved.connection } : config;
  return factory(c);
}
