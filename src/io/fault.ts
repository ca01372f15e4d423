/**
 * Crash injection for the crash-safety harness (test/crash, docs/CONCURRENCY.md).
 *
 * With `FLOE_FAULT_KILL_AFTER_IO=N` set, the resolver (resolve.ts) wraps every FileIO so that
 * the process SIGKILLs itself right after its Nth FileIO operation has completed — no
 * `finally`, no cleanup, exactly like a power cut or an OOM kill at that point. The count is
 * one per process, across every storage scheme.
 *
 * `FLOE_FAULT_IO_OPS=write,delete,…` counts only the named operations (default: all of
 * read, readRange, write, exists, stat, delete, list, localPath, putLocalFile).
 * `FLOE_FAULT_IO_LOG=/path` appends one line per counted operation (`N op location`), so a
 * harness can learn how many operations a command performs before choosing kill points.
 *
 * Without the variables nothing is wrapped and nothing is read per call.
 */
import { appendFileSync } from 'node:fs';
import type { FileInfo, FileIO, IncompleteUpload, WriteOptions } from './fileio.js';

const FAULT_KILL_ENV = 'FLOE_FAULT_KILL_AFTER_IO';
const FAULT_OPS_ENV = 'FLOE_FAULT_IO_OPS';
const FAULT_LOG_ENV = 'FLOE_FAULT_IO_LOG';

const FILEIO_OPS = ['read', 'readRange', 'write', 'exists', 'stat', 'delete', 'list', 'localPath', 'putLocalFile'] as const;
type FileIOOp = (typeof FILEIO_OPS)[number];

export interface FaultPlan {
  /** Kill after this many counted operations; Infinity only counts (and logs). */
  killAfter: number;
  ops: ReadonlySet<FileIOOp>;
  log: string | undefined;
}

/** The plan from the environment, or undefined when fault injection is off. */
export function faultPlanFromEnv(env: NodeJS.ProcessEnv = process.env): FaultPlan | undefined {
  const kill = env[FAULT_KILL_ENV];
  const log = env[FAULT_LOG_ENV] || undefined;
  if ((kill === undefined || kill === '') && !log) return undefined;
  const n = kill === undefined || kill === '' ? Infinity : Number(kill);
  if (!(n === Infinity || (Number.isInteger(n) && n >= 1))) {
    // A harness mistake must not silently run without faults.
    throw new Error(`${FAULT_KILL_ENV} must be a positive integer, got "${kill}"`);
  }
  const named = (env[FAULT_OPS_ENV] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const op of named) if (!(FILEIO_OPS as readonly string[]).includes(op)) throw new Error(`${FAULT_OPS_ENV}: unknown FileIO operation "${op}"`);
  return { killAfter: n, ops: new Set((named.length ? named : FILEIO_OPS) as FileIOOp[]), log };
}

let counted = 0;
let plan: FaultPlan | undefined | null = null;
const wrapped = new WeakMap<FileIO, FileIO>();

function currentPlan(): FaultPlan | undefined {
  if (plan === null) plan = faultPlanFromEnv();
  return plan;
}

/** Called after an operation completed: count it, log it, and die if it was the Nth. */
function completed(p: FaultPlan, op: FileIOOp, location: string): void {
  if (!p.ops.has(op)) return;
  counted++;
  if (p.log) appendFileSync(p.log, `${counted} ${op} ${location}\n`);
  if (counted >= p.killAfter) process.kill(process.pid, 'SIGKILL');
}

/** `io` itself when fault injection is off; otherwise one counting wrapper per FileIO. */
export function withFaultInjection(io: FileIO): FileIO {
  const p = currentPlan();
  if (!p) return io;
  let w = wrapped.get(io);
  if (!w) {
    w = new FaultInjectingFileIO(io, p);
    wrapped.set(io, w);
  }
  return w;
}

class FaultInjectingFileIO implements FileIO {
  constructor(
    private readonly inner: FileIO,
    private readonly plan: FaultPlan,
  ) {}

  private async after<T>(op: FileIOOp, location: string, run: Promise<T>): Promise<T> {
    const result = await run;
    completed(this.plan, op, location);
    return result;
  }

  read(location: string): Promise<Uint8Array> {
    return this.after('read', location, this.inner.read(location));
  }
  readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    return this.after('readRange', location, this.inner.readRange(location, offset, length));
  }
  write(location: string, data: Uint8Array, options?: WriteOptions): Promise<void> {
    return this.after('write', location, this.inner.write(location, data, options));
  }
  exists(location: string): Promise<boolean> {
    return this.after('exists', location, this.inner.exists(location));
  }
  stat(location: string): Promise<FileInfo> {
    return this.after('stat', location, this.inner.stat(location));
  }
  delete(location: string): Promise<void> {
    return this.after('delete', location, this.inner.delete(location));
  }
  async *list(prefix: string): AsyncIterable<FileInfo> {
    yield* this.inner.list(prefix);
    completed(this.plan, 'list', prefix);
  }
  async *listIncompleteUploads(prefix: string): AsyncIterable<IncompleteUpload> {
    if (this.inner.listIncompleteUploads) yield* this.inner.listIncompleteUploads(prefix);
  }
  async abortIncompleteUpload(upload: IncompleteUpload): Promise<void> {
    return this.inner.abortIncompleteUpload?.(upload);
  }
  localPath(location: string): Promise<string> {
    return this.after('localPath', location, this.inner.localPath(location));
  }
  putLocalFile(localPath: string, location: string): Promise<void> {
    return this.after('putLocalFile', location, this.inner.putLocalFile(localPath, location));
  }
}
