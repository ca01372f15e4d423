import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { configError } from '../../errors.js';
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
  await mkdir(join(root, 'pipelines'), { recursive: true });
  await mkdir(join(root, 'data'), { recursive: true });
  await writeFile(join(root, 'floe.yaml'), FLOE_YAML, { flag: 'wx' });
  if (keepExample) {
    // An existing pipeline file is the user's: never overwritten, and not a reason to fail.
    out.out(`created ${join(root, 'floe.yaml')}; kept the existing ${example}`);
    return 0;
  }
  await writeFile(example, EXAMPLE_PIPELINE, { flag: 'wx' });
  out.out(`created ${join(root, 'floe.yaml')} and ${example}`);
  return 0;
}
