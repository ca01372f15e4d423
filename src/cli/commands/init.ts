import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { configError, FloeError } from '../../errors.js';
import { fsError } from '../../io/local.js';
import { consoleOutput } from '../output.js';

const FLOE_YAML = `# floe project file (see the README, section "floe.yaml")
warehouse: ./warehouse
catalog:
  uri: sqlite:./warehouse/catalog.db
  name: floe
pipelines: pipelines/
`;

const EXAMPLE_PIPELINE = `# An example pipeline: edit the source and target, then \`floe validate\` and \`floe run\`.
name: example
source:
  kind: csv
  path: data/*.csv
target:
  table: raw.example
  mode: append
checks:
  - row_count: { min: 1 }
`;

export default async function init(dir: string | undefined): Promise<number> {
  const out = consoleOutput();
  const root = resolve(dir ?? '.');
  const found = await stat(root).catch(() => null);
  if (found && !found.isDirectory()) throw configError(`${root} is not a folder; floe init [dir] scaffolds a project in a folder`);
  if (await stat(join(root, 'floe.yaml')).catch(() => null)) {
    throw configError(`${join(root, 'floe.yaml')} already exists; floe init never overwrites a project`);
  }
  // Every path is checked before anything is written, so a refused init leaves the folder as it was.
  for (const sub of ['pipelines', 'data']) {
    const s = await stat(join(root, sub)).catch(() => null);
    if (s && !s.isDirectory()) throw configError(`${join(root, sub)} is not a folder; floe init needs ${sub}/ to be one`);
  }
  const example = join(root, 'pipelines', 'example.yaml');
  const keepExample = (await stat(example).catch(() => null)) !== null;
  await makeFolder(join(root, 'pipelines'), root);
  await makeFolder(join(root, 'data'), root);
  await write(join(root, 'floe.yaml'), FLOE_YAML, root);
  if (keepExample) {
    // An existing pipeline file is the user's: never overwritten, and not a reason to fail.
    out.out(`created ${join(root, 'floe.yaml')}; kept the existing ${example}`);
    return 0;
  }
  await write(example, EXAMPLE_PIPELINE, root);
  out.out(`created ${join(root, 'floe.yaml')} and ${example}`);
  return 0;
}

/** A folder that cannot be created or written (no access, a read-only mount, a file in the way) is an io error naming it, not an internal one. */
function notWritable(what: string, path: string, root: string, e: unknown): FloeError {
  const err = fsError(what, path, e);
  return new FloeError(err.kind === 'not-found' ? 'io' : err.kind, err.kind === 'not-found' ? `cannot ${what} ${path}: ${(e as NodeJS.ErrnoException).code}` : err.message, {
    cause: e,
    context: err.context,
    hint: `floe init writes floe.yaml, pipelines/ and data/ into ${root}: the user running it needs write access there`,
  });
}

/**
 * mkdir -p, one level at a time from the nearest folder that exists: Node 20's recursive
 * mkdir never returns when a level reports ENOENT though its parent exists (a path under
 * /proc), and a file in the way is named as such.
 */
async function makeFolder(path: string, root: string): Promise<void> {
  const s = await stat(path).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' || e.code === 'ENOTDIR' ? null : Promise.reject(notWritable('create the folder', path, root, e))));
  if (s?.isDirectory()) return;
  if (s) throw configError(`${path} is not a folder; floe init needs it to be one`);
  const parent = dirname(path);
  if (parent !== path) await makeFolder(parent, root);
  await mkdir(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw notWritable('create the folder', path, root, e);
  });
}

async function write(path: string, text: string, root: string): Promise<void> {
  await writeFile(path, text, { flag: 'wx' }).catch((e: unknown) => {
    throw notWritable('write', path, root, e);
  });
}
