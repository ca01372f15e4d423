/**
 * The harness of the database-read signal tests (test/cli/signals-mysql.test.ts,
 * signals-postgres-read.test.ts): a project whose pipeline `big` reads a query from the
 * source database, and a `floe run big` signalled once the query shows as running on the
 * server (polled, not after a sleep).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { collect, show, startFloe, type RunResult } from '../cli/helpers.js';

/** A project under `dir` whose pipeline `big` reads `query` from the `kind` database named by `${urlVar}`, appending to raw.big. */
export async function readProject(dir: string, kind: 'mysql' | 'postgres', urlVar: string, query: string): Promise<{ dir: string; tmp: string }> {
  await writeFile(path.join(dir, 'floe.yaml'), 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./warehouse/catalog.db\n  name: floe\npipelines: pipelines/\n');
  await mkdir(path.join(dir, 'pipelines'));
  const tmp = path.join(dir, 'tmp');
  await mkdir(tmp);
  await writeFile(
    path.join(dir, 'pipelines', 'big.yaml'),
    `name: big\nsource:\n  kind: ${kind}\n  connection: "\${${urlVar}}"\n  query: ${JSON.stringify(query)}\n  batch_size: 1000\ntarget:\n  table: raw.big\n  mode: append\n`,
  );
  return { dir, tmp };
}

export interface SignalledRead<T> {
  r: RunResult;
  /** Seconds from the signal to the process's exit. */
  seconds: number;
  /** What `running` found: the server's thread or backend. */
  found: T;
}

/**
 * Runs `floe run big` in `dir` with `env`, waits until `running()` finds the read on the
 * server, sends `signal` and returns the result. Fails if floe ends before the read shows, or
 * if it never shows within a minute (`where` names what was polled).
 */
export async function signalDuringRead<T>(
  o: { dir: string; tmp: string; env: Record<string, string>; graceMs: number; signal: NodeJS.Signals; extra?: readonly string[]; where: string },
  running: () => Promise<T[]>,
): Promise<SignalledRead<T>> {
  const child = startFloe(['--project', o.dir, 'run', 'big', ...(o.extra ?? [])], {
    cwd: o.dir,
    env: { TMPDIR: o.tmp, FLOE_CANCEL_GRACE_MS: String(o.graceMs), ...o.env },
  });
  const done = collect(child);
  let ended = false;
  void done.then(() => (ended = true));
  let found: T | undefined;
  for (const deadline = Date.now() + 60_000; found === undefined; ) {
    found = (await running())[0];
    if (found !== undefined) break;
    if (ended) throw new Error(`floe ended before its read was under way:\n${show(await done)}`);
    if (Date.now() > deadline) throw new Error(`the read never showed in ${o.where}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const signalled = Date.now();
  child.kill(o.signal);
  const r = await done;
  return { r, seconds: (Date.now() - signalled) / 1000, found };
}
