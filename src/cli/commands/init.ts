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
  if (await stat(join(root, 'floe.yaml')).catch(() => null)) {
    throw configError(`${join(root, 'floe.yaml')} already exists; floe init never overwrites a project`);
  }
  await mkdir(join(root, 'pipelines'), { recursive: true });
  await mkdir(join(root, 'data'), { recursive: true });
  await writeFile(join(root, 'floe.yaml'), FLOE_YAML, { flag: 'wx' });
  await writeFile(join(root, 'pipelines', 'example.yaml'), EXAMPLE_PIPELINE, { flag: 'wx' });
  out.out(`created ${join(root, 'floe.yaml')} and ${join(root, 'pipelines', 'example.yaml')}`);
  return 0;
}
