/**
 * PyIceberg (the interop venv, scripts/provision-interop.sh) reading a floe table whose files
 * live on the S3 test server, through floe's SQLite catalog: PyIceberg's own S3 FileIO
 * (pyarrow's S3FileSystem) with s3.endpoint and path-style access. Rows come back as
 * JSON-safe values (longs and decimals as text).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './floe-process.js';
import { s3Endpoint, TEST_ACCESS_KEY, TEST_SECRET } from './s3.js';

const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');

const SCRIPT = `
import json, sys
from pyiceberg.catalog.sql import SqlCatalog
a = json.loads(sys.argv[1])
catalog = SqlCatalog(a["name"], **{
    "uri": a["uri"],
    "warehouse": a["warehouse"],
    "py-io-impl": "pyiceberg.io.pyarrow.PyArrowFileIO",
    "s3.endpoint": a["endpoint"],
    "s3.access-key-id": a["key"],
    "s3.secret-access-key": a["secret"],
    "s3.region": "us-east-1",
    "s3.path-style-access": "true",
})
table = catalog.load_table(a["table"])
snap = table.current_snapshot()
rows = table.scan().to_arrow().to_pylist()
def val(v):
    return v if v is None or isinstance(v, (bool, str)) else str(v)
print(json.dumps({
    "metadata_location": table.metadata_location,
    "snapshot_id": None if snap is None else str(snap.snapshot_id),
    "rows": [{k: val(v) for k, v in r.items()} for r in rows],
}))
`;

export interface S3PyIcebergRead {
  metadata_location: string;
  snapshot_id: string | null;
  rows: Record<string, string | boolean | null>[];
}

export function pyicebergReadS3(o: { catalogDb: string; warehouse: string; table: string; catalogName?: string }): Promise<S3PyIcebergRead> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run scripts/provision-interop.sh`);
  const args = { name: o.catalogName ?? 'floe', uri: `sqlite:///${o.catalogDb}`, warehouse: o.warehouse, endpoint: s3Endpoint(), key: TEST_ACCESS_KEY, secret: TEST_SECRET, table: o.table };
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', SCRIPT, JSON.stringify(args)], { cwd: ROOT, env: { ...process.env, TZ: 'UTC', PYTHONDONTWRITEBYTECODE: '1' } });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`PyIceberg S3 read of ${o.table} failed (exit ${code}):\n${err.split('\n').slice(-30).join('\n')}`));
      try {
        resolve(JSON.parse(out) as S3PyIcebergRead);
      } catch {
        reject(new Error(`PyIceberg S3 read printed no JSON: ${out.slice(0, 300)}\n${err.slice(-2000)}`));
      }
    });
  });
}
