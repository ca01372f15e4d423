/**
 * `floe check --out FILE` (src/checks/report-file.ts): any FILE name the file system takes is
 * accepted, and the report replaces it whole. The temporary file beside it has a name of its
 * own that stays within the file system's 255-byte limit on a name, however long FILE's is.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReportFile } from '../../src/checks/report-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'floe-report-file-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('openReportFile', () => {
  for (const [what, name] of [
    ['a 244-character name', `${'r'.repeat(240)}.xml`],
    ['a 250-byte name of multi-byte characters', `${'é'.repeat(123)}.xml`],
  ] as const) {
    it(`takes ${what} and writes the report there, leaving no temporary file`, async () => {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
      const target = path.join(dir, name);
      const file = await openReportFile(target);
      await file.commit('<testsuites/>\n');
      await file.discard();
      expect(await readFile(target, 'utf8')).toBe('<testsuites/>\n');
      expect((await readdir(dir)).filter((f) => f.endsWith('.floe-tmp'))).toEqual([]);
      await rm(target);
    });
  }
});
