/**
 * Private folders under the OS temp folder that a source's relation reads from (http pages,
 * cleaned JSON Lines copies). The relation is a view, scanned whenever it is read, so the
 * folder lives until the source's `afterScan`; a process 'exit' hook removes what is left (a
 * run that failed before the scan, `floe plan`). A SIGKILL leaves the folder behind.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Folders still on disk; the exit hook removes them (synchronously: 'exit' cannot wait).
const live = new Set<string>();
let hooked = false;

export async function tempDir(stem: string): Promise<string> {
  const dir = join(tmpdir(), `floe-${stem}-${randomUUID()}`);
  await mkdir(dir, { recursive: true });
  live.add(dir);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const d of live) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  live.delete(dir);
  await rm(dir, { recursive: true, force: true });
}
