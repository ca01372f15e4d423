/**
 * Where a floe process's wall time goes: a preload that records, from process start,
 * the wall and process CPU time (all threads) of
 *   - the require of @duckdb/node-api (or the CLI's bundle of it) and DuckDBInstance.create,
 *   - every DuckDB statement (run, runAndReadAll, prepare), with its SQL cut to TRACE_SQL_LEN,
 *   - marks a investigation adds to dist/ by hand: `globalThis.__floeMark?.('label')`,
 * and writes them to TRACE_OUT (default ./floe-trace.txt) at exit.
 *
 *   node --import ./bench/profile/trace.mjs bin/floe.js --project … run upsert
 *
 * CPU time is the steadier figure on a busy machine: wall time there is mostly waiting for a core.
 */
import Module from 'node:module';
import { writeFileSync } from 'node:fs';

const marks = [];
const statements = [];
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const mark = (label) => marks.push({ t: performance.now(), c: cpu(), label });
const sqlText = (sql) => String(sql ?? '').replace(/\s+/g, ' ').slice(0, Number(process.env.TRACE_SQL_LEN ?? 120));
mark('preload (node started)');
globalThis.__floeMark = mark;

function timed(kind, run, sql) {
  const t = performance.now();
  const c = cpu();
  return run().finally(() => statements.push({ t, wall: performance.now() - t, cpu: cpu() - c, text: `${kind}: ${sqlText(sql)}` }));
}

function instrument(api) {
  const proto = api.DuckDBConnection.prototype;
  const run = proto.run;
  const runAndReadAll = proto.runAndReadAll;
  const prepare = proto.prepare;
  // runAndReadAll calls run: a statement is counted once, by the outer call.
  proto.run = function (sql, ...rest) {
    return this.__traceInner ? run.call(this, sql, ...rest) : timed('run', () => run.call(this, sql, ...rest), sql);
  };
  proto.runAndReadAll = function (sql, ...rest) {
    return timed('runAndReadAll', async () => {
      this.__traceInner = true;
      try {
        return await runAndReadAll.call(this, sql, ...rest);
      } finally {
        this.__traceInner = false;
      }
    }, sql);
  };
  proto.prepare = function (sql) {
    return timed('prepare', () => prepare.call(this, sql), sql);
  };
  const create = api.DuckDBInstance.create;
  api.DuckDBInstance.create = async function (...args) {
    mark('DuckDBInstance.create: start');
    try {
      return await create.apply(this, args);
    } finally {
      mark('DuckDBInstance.create: done');
    }
  };
}

const load = Module._load;
let loaded = false;
// The CLI loads its one-file bundle of the API (dist/bundle/duckdb-api.cjs, see engine/duckdb.ts).
const isApi = (request) => request === '@duckdb/node-api' || String(request).endsWith('/duckdb-api.cjs');
Module._load = function (request, ...rest) {
  if (!isApi(request) || loaded) return load.call(this, request, ...rest);
  loaded = true;
  mark('require @duckdb/node-api: start');
  const api = load.call(this, request, ...rest);
  mark('require @duckdb/node-api: done');
  instrument(api);
  return api;
};

process.on('exit', () => {
  mark('exit');
  const lines = ['    at ms     +wall      +cpu  mark'];
  let prev = { t: 0, c: 0 };
  for (const m of marks) {
    lines.push(`${m.t.toFixed(1).padStart(9)} ${(m.t - prev.t).toFixed(1).padStart(9)} ${(m.c - prev.c).toFixed(1).padStart(9)}  ${m.label}`);
    prev = m;
  }
  lines.push('', ' start ms   wall ms    cpu ms  DuckDB statement');
  for (const s of statements.sort((a, b) => a.t - b.t)) lines.push(`${s.t.toFixed(1).padStart(9)} ${s.wall.toFixed(1).padStart(9)} ${s.cpu.toFixed(1).padStart(9)}  ${s.text}`);
  const total = statements.reduce((a, s) => ({ wall: a.wall + s.wall, cpu: a.cpu + s.cpu }), { wall: 0, cpu: 0 });
  lines.push(`total in DuckDB statements: ${total.wall.toFixed(1)} ms wall, ${total.cpu.toFixed(1)} ms cpu over ${statements.length} statements`);
  writeFileSync(process.env.TRACE_OUT ?? 'floe-trace.txt', lines.join('\n') + '\n');
});
