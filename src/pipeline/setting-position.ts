/**
 * Where a setting is written in a pipeline file, for a message that only the run can give
 * (a lookback that does not fit the table's cursor type, an `initial` that is not a value of
 * it, an http cursor the records lack). The file is read again: it was parsed when the project
 * loaded, but positions are not kept past validation.
 */
import { readFileSync } from 'node:fs';
import type { PathSegment } from './diagnostics.js';
import { locate, parseYaml, type Position } from './parse.js';

/** The setting's line and column, or undefined when the file cannot be read or parsed now. */
export function settingPosition(file: string, path: readonly PathSegment[]): Position | undefined {
  try {
    const parsed = parseYaml(readFileSync(file, 'utf8'), file);
    return parsed.ok ? locate(parsed.source, path) : undefined;
  } catch {
    // Then the message names the file only.
    return undefined;
  }
}
