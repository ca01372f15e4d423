/**
 * `floe compact --help` says what a failed compaction leaves: with --partial-progress the
 * commits that landed before the failure stay (it said "the table is unchanged" for every
 * failure, and "one replace snapshot" for every run), and which sizes are refused.
 */
import { describe, expect, it } from 'vitest';
import { assertBuilt, floe, show } from '../cli/helpers.js';

describe('floe compact --help', () => {
  it('describes partial progress and the size rules', async () => {
    assertBuilt();
    const r = await floe(['compact', '--help']);
    expect(r.code, show(r)).toBe(0);
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).toContain('one replace snapshot (several with --partial-progress)');
    expect(text).toContain('the table is unchanged, except that with --partial-progress the commits that landed before stay (the error names their snapshots)');
    expect(text).toContain('--min-file-size must be below the target and --max-file-size above it (exit 2 otherwise)');
  });
});
