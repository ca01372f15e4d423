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
  return settingSource(file, path)?.position;
}

/**
 * The setting's position and its line's text from there on (the value as written, which YAML
 * may have read otherwise: an integer beyond 2^53 as a rounded double), or undefined when the
 * file cannot be read or parsed now.
 */
export function settingSource(file: string, path: readonly PathSegment[]): { position: Position; text: string } | undefined {
  try {
    const source = readFileSync(file, 'utf8');
    const parsed = parseYaml(source, file);
    if (!parsed.ok) return undefined;
    const position = locate(parsed.source, path);
    return { position, text: source.split(/\r?\n/)[position.line - 1]?.slice(position.col - 1) ?? '' };
  } catch {
    // Then the message names the file only.
    return undefined;
  }
}
