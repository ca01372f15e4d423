/**
 * Temporary files written beside a target and renamed over it (src/io/temp-name.ts): local
 * warehouse writes, `floe check --out` and `floe query --out`. A target whose name is near the
 * file system's 255-byte limit on a name is writable: the temporary name stays within it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReplacing } from '../../src/cli/commands/query-out.js';
import { LocalFileIO } from '../../src/io/local.js';
import { namePrefix, tempPathBeside } from '../../src/io/temp-name.js';

const root = mkdtempSync(join(tmpdir(), 'floe-temp-name-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const longNames = [
  ['a 250-character name', `${'q'.repeat(246)}.csv`],
  ['a 252-byte name of multi-byte characters', `${'é'.repeat(124)}.csv`],
] as const;

describe('tempPathBeside', () => {
  it('is hidden, beside the target, ends with the suffix and keeps at most 100 bytes of the name', () => {
    const t = tempPathBeside(join(root, `${'é'.repeat(124)}.csv`), '.floe-tmp');
    expect(join(t, '..')).toBe(root);
    expect(basename(t)).toMatch(/^\.é+\.[0-9a-f]{12}\.floe-tmp$/);
    expect(Buffer.byteLength(basename(t))).toBeLessThanOrEqual(255);
    expect(basename(t).slice(1, 51)).toBe('é'.repeat(50));
  });

  it('cuts between characters, never inside one', () => {
    expect(namePrefix('aé', 2)).toBe('a');
    expect(namePrefix('aé', 3)).toBe('aé');
    expect(namePrefix('😀x', 3)).toBe('');
    expect(namePrefix('short', 100)).toBe('short');
  });
});

describe('floe query --out with a long file name (writeReplacing)', () => {
  for (const [what, name] of longNames) {
    it(`writes ${what} whole and leaves no temporary file`, async () => {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
      const target = join(root, name);
      await writeReplacing(target, (tmp) => writeFile(tmp, 'a,b\n1,2\n'));
      expect(readFileSync(target, 'utf8')).toBe('a,b\n1,2\n');
      expect(readdirSync(root).filter((f) => f.endsWith('.floe-tmp'))).toEqual([]);
      rmSync(target);
    });
  }
});

describe('local warehouse writes with a long file name', () => {
  for (const [what, name] of longNames) {
    it(`write and createOnly write take ${what}`, async () => {
      const io = new LocalFileIO();
      const dir = join(root, `io-${name.length}-${Buffer.byteLength(name)}`);
      await io.write(join(dir, name), new TextEncoder().encode('x'));
      expect(readFileSync(join(dir, name), 'utf8')).toBe('x');
      const other = join(dir, `c${name.slice(1)}`);
      await io.write(other, new TextEncoder().encode('y'), { createOnly: true });
      expect(readFileSync(other, 'utf8')).toBe('y');
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  }
});
