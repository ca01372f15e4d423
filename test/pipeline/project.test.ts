import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../src/errors.js';
import { findProjectFile, formatDiagnostic, loadProjectFile, validateProject, validateProjectText } from '../../src/pipeline/index.js';
import { FIXTURES } from './helpers.js';

const PROJECT = join(FIXTURES, 'project');

describe('finding floe.yaml', () => {
  it('searches the current folder, then its parents', async () => {
    expect(await findProjectFile(undefined, join(PROJECT, 'pipelines'))).toBe(join(PROJECT, 'floe.yaml'));
    expect(await findProjectFile(undefined, PROJECT)).toBe(join(PROJECT, 'floe.yaml'));
  });

  it('takes --project as the file or the folder that holds it, relative to cwd', async () => {
    expect(await findProjectFile('project', FIXTURES)).toBe(join(PROJECT, 'floe.yaml'));
    expect(await findProjectFile(join(PROJECT, 'floe.yaml'))).toBe(join(PROJECT, 'floe.yaml'));
  });

  it('says what to do when there is none', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'floe-none-'));
    await expect(findProjectFile(undefined, empty)).rejects.toThrow(/no floe\.yaml in .* or any folder above it/);
    await expect(findProjectFile(empty)).rejects.toThrow(/no floe\.yaml in/);
    await expect(findProjectFile(join(empty, 'nope.yaml'))).rejects.toThrow(/does not exist/);
  });
});

describe('floe.yaml', () => {
  it('fills defaults and resolves paths against its own folder', () => {
    const r = validateProjectText('', '/srv/lake/floe.yaml', {});
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toMatchObject({
      warehouse: './warehouse',
      pipelines: 'pipelines/',
      catalog: { uri: 'sqlite:/srv/lake/warehouse/catalog.db', name: 'floe' },
      dir: '/srv/lake',
      paths: { warehouse: '/srv/lake/warehouse', pipelines: '/srv/lake/pipelines', catalog: '/srv/lake/warehouse/catalog.db' },
    });
  });

  it('keeps s3:// and postgres locations as written', () => {
    const text = 'warehouse: s3://lake/prod\ncatalog: { uri: "postgresql://floe@pg:5432/floe", name: prod }\npipelines: ../flows\n';
    const r = validateProjectText(text, '/srv/lake/floe.yaml', {});
    expect(r.diagnostics).toEqual([]);
    expect(r.value?.paths).toEqual({ warehouse: 's3://lake/prod', pipelines: '/srv/flows', catalog: undefined });
    expect(r.value?.catalog).toEqual({ uri: 'postgresql://floe@pg:5432/floe', name: 'prod' });
  });

  it("accepts PyIceberg's SQLAlchemy postgresql+psycopg2:// form, which the catalog reads", () => {
    const r = validateProjectText('warehouse: s3://lake/prod\ncatalog: { uri: "postgresql+psycopg2://floe@pg:5432/floe" }\n', '/srv/lake/floe.yaml', {});
    expect(r.diagnostics).toEqual([]);
    expect(r.value?.catalog.uri).toBe('postgresql+psycopg2://floe@pg:5432/floe');
  });

  it('accepts the SQLAlchemy sqlite:/// form relative to floe.yaml', () => {
    const r = validateProjectText('catalog: { uri: "sqlite:///meta/catalog.db" }\n', '/srv/lake/floe.yaml', {});
    expect(r.value?.paths.catalog).toBe('/srv/lake/meta/catalog.db');
  });

  it('needs a catalog uri for an s3:// warehouse', () => {
    const r = validateProjectText('warehouse: s3://lake/prod\n', '/srv/floe.yaml', {});
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(/^\/srv\/floe\.yaml:1:1: catalog\.uri: an s3:\/\/ warehouse needs a catalog\.uri/)]);
  });

  it('reports every problem of a broken project file and of its missing pipelines folder', async () => {
    const r = await validateProject(join(FIXTURES, 'bad_project'), { env: {} });
    expect(r.project).toBeUndefined();
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.path}: ${d.message}`)).toEqual([
      "1:1 warehose: unknown key 'warehose' (did you mean 'warehouse'?); expected one of warehouse, catalog, storage, pipelines",
      '3:8 catalog.uri: expected sqlite:PATH or postgresql://user@host:5432/db',
      // The missing partner of a key pair is reported at the map that lacks it.
      '5:3 storage.s3.secret_access_key: give access_key_id and secret_access_key together',
      '6:15 storage.s3.endpoint: expected a http:// or https:// URL',
      "7:15 storage.s3.checksum: 'always' is not one of when_required, when_supported",
      '8:21 storage.s3.access_key_id: environment variable S3_KEY_ID is not set (set it, or write ${S3_KEY_ID:-default})',
      `9:12 pipelines: the pipelines folder ${join(FIXTURES, 'bad_project', 'pipelines')} does not exist`,
    ]);
  });

  it('loadProjectFile throws one config error that lists every problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-bad-'));
    await writeFile(join(dir, 'floe.yaml'), 'warehouse: ./w\ncatalog: { uri: "postgresql://u:${PGPASS}@h/db", nme: x }\n');
    const err = await loadProjectFile(dir, { env: { PGPASS: 'hunter22' } }).catch((e: unknown) => e);
    expect(isFloeError(err, 'config')).toBe(true);
    expect((err as Error).message).toMatch(/1 error in project files:\n.*floe\.yaml:2:50: catalog\.nme: unknown key 'nme' \(did you mean 'name'\?\)/);
    expect((err as Error).message).not.toContain('hunter22');
    const ok = await loadProjectFile(PROJECT, { env: { S3_ENDPOINT: 'http://localhost:9000' } });
    expect(ok.catalog.name).toBe('floe');
  });
});
