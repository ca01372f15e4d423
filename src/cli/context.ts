/**
 * What most commands need: the project (floe.yaml), its catalog and a FileIO. Opened once
 * per command, closed at the end.
 */
import type { Catalog } from '../catalog/catalog.js';
import { openCatalog, type OpenCatalogOptions } from '../catalog/open.js';
import type { FileIO } from '../io/fileio.js';
import { RoutingFileIO } from '../io/resolve.js';
import { loadProjectFile, type ProjectConfig } from '../pipeline/project.js';
import type { GlobalOptions } from './main.js';

export interface ProjectContext {
  project: ProjectConfig;
  catalog: Catalog;
  io: FileIO;
  close(): Promise<void>;
}

/** `{ create: false }` for read-only commands: a missing catalog reads as empty and nothing is created (catalog/open.ts). */
export async function openProject(globals: GlobalOptions, options: OpenCatalogOptions = {}): Promise<ProjectContext> {
  const project = await loadProjectFile(globals.project);
  const catalog = await openCatalog(project.catalog, project.dir, options);
  const io = RoutingFileIO.forStorage(project.storage);
  return { project, catalog, io, close: () => catalog.close() };
}

export async function withProject<T>(globals: GlobalOptions, fn: (ctx: ProjectContext) => Promise<T>, options: OpenCatalogOptions = {}): Promise<T> {
  const ctx = await openProject(globals, options);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** commander passes the command object last; its parent chain carries the global options. */
export function globalsOf(command: { optsWithGlobals(): Record<string, unknown> }): GlobalOptions {
  const o = command.optsWithGlobals();
  return { project: o.project as string | undefined, debug: o.debug as boolean | undefined };
}
