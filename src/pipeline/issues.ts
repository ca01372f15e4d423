/**
 * zod issues → diagnostics. zod reports a path into the plain value; the YAML tree maps that
 * path back to a line and column. Messages are reworded for someone editing a file: which
 * key is unknown and what was probably meant, which value is not allowed and what is.
 */
import type { z } from 'zod';
import { type Diagnostic, formatPath, type PathSegment } from './diagnostics.js';
import { locate, type YamlSource } from './parse.js';
import { closest, didYouMean } from './suggest.js';
import { CHECK_KINDS } from './schema-checks.js';

type Issue = z.core.$ZodIssue;

export interface Validated<T> {
  value: T | undefined;
  diagnostics: Diagnostic[];
}

/** Parses `data` with `schema`; every issue becomes a located diagnostic. */
export function validateAgainst<S extends z.ZodType>(schema: S, data: unknown, src: YamlSource, skip: ReadonlySet<string> = new Set()): Validated<z.output<S>> {
  // zod's issue for an unknown key does not list the allowed ones; the schema that raised it
  // does, and only the per-parse error map sees that schema.
  const known = new Map<string, string[]>();
  const result = schema.safeParse(data, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        const shape = (iss.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
        if (shape) known.set(formatPath(iss.path ?? []), Object.keys(shape));
      }
      return undefined;
    },
  });
  if (result.success) return { value: result.data, diagnostics: [] };
  const diagnostics = result.error.issues
    .flatMap((i) => toDiagnostics(i, [], data, src, known))
    // Interpolation already reported these fields; a second error there would only repeat it.
    .filter((d) => ![...skip].some((p) => d.path === p || d.path.startsWith(`${p}.`) || d.path.startsWith(`${p}[`)));
  return { value: undefined, diagnostics: dedupe(diagnostics) };
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.line}:${d.col}:${d.path}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));
const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a map' : typeof v);
const isCheckItem = (path: readonly PathSegment[]) => path.length === 2 && path[0] === 'checks' && typeof path[1] === 'number';

function diag(src: YamlSource, path: readonly PathSegment[], message: string, at: 'value' | 'key' = 'value'): Diagnostic {
  const { line, col } = locate(src, path, at);
  return { file: src.file, line, col, path: formatPath(path), message, severity: 'error' };
}

function toDiagnostics(issue: Issue, prefix: PathSegment[], data: unknown, src: YamlSource, known: Map<string, string[]>): Diagnostic[] {
  const path = [...prefix, ...(issue.path as PathSegment[])];
  const input = valueAt(data, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = known.get(formatPath(issue.path as PathSegment[])) ?? [];
      return issue.keys.map((k) => {
        // In a check item an unknown key is usually a misspelt kind, unless it is closer to a sibling key.
        const sibling = ['severity', 'name'].includes(closest(k, [...CHECK_KINDS, 'severity', 'name']) ?? '');
        const message = isCheckItem(path) && !sibling
          ? `unknown check kind '${k}'${didYouMean(k, CHECK_KINDS)}; expected one of ${CHECK_KINDS.join(', ')}`
          : `unknown key '${k}'${didYouMean(k, allowed)}${allowed.length > 0 && allowed.length <= 12 ? `; expected one of ${allowed.join(', ')}` : ''}`;
        return diag(src, [...path, k], message, 'key');
      });
    }
    case 'invalid_type':
      if (input === undefined) return [diag(src, path, 'is required')];
      return [diag(src, path, `expected ${issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a map' : issue.expected}, got ${typeName(input)}`)];
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      if (allowed.length === 1) return [diag(src, path, `must be ${show(issue.values[0])}, got ${show(input)}`)];
      const hint = typeof input === 'string' ? didYouMean(input, allowed) : '';
      return [diag(src, path, `${show(input)} is not one of ${allowed.join(', ')}${hint}`)];
    }
    case 'invalid_union': {
      // A failed discriminator (`source.kind: postgress`): name the allowed kinds.
      if ((issue as { note?: string }).note === 'No matching discriminator') {
        const kinds = ((issue as { options?: unknown[] }).options ?? []).map(String);
        if (input === undefined) return [diag(src, path, `is required: one of ${kinds.join(', ')}`)];
        const hint = typeof input === 'string' ? didYouMean(input, kinds) : '';
        return [diag(src, path, `unknown ${String(path[path.length - 2] ?? 'kind')} kind ${show(input)}${hint}; expected one of ${kinds.join(', ')}`)];
      }
      return unionDiagnostics(issue.errors, path, data, src, known);
    }
    case 'too_small':
    case 'too_big':
      return [diag(src, path, sizeMessage(issue))];
    case 'custom':
      return [diag(src, path, issue.message, (issue.params as { at?: 'key' } | undefined)?.at ?? 'value')];
    default:
      return [diag(src, path, issue.message.replace(/^Invalid input: /, ''))];
  }
}

/**
 * A plain union failed in every branch. Report the branch that got furthest: the one whose
 * issues are not all "wrong type at the root" (i.e. the input had that branch's shape),
 * with the fewest issues; if none, one line listing what was accepted.
 */
function unionDiagnostics(branches: Issue[][], path: PathSegment[], data: unknown, src: YamlSource, known: Map<string, string[]>): Diagnostic[] {
  const shaped = branches.filter((b) => !b.every((i) => i.code === 'invalid_type' && i.path.length === 0));
  if (shaped.length > 0) {
    const best = shaped.reduce((a, b) => (b.length < a.length ? b : a));
    return best.flatMap((i) => toDiagnostics(i, path, data, src, known));
  }
  const expected = [...new Set(branches.flatMap((b) => b.map((i) => (i.code === 'invalid_type' ? (i.expected === 'array' ? 'a list' : i.expected === 'object' ? 'a map' : i.expected) : undefined)).filter((e): e is string => !!e)))];
  return [diag(src, path, `expected ${expected.join(' or ') || 'a different value'}, got ${typeName(valueAt(data, path))}`)];
}

/** zod's "Too small: expected number to be >0" as "must be greater than 0"; custom messages are kept. */
function sizeMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  if (!/^Too (small|big)/.test(issue.message)) return issue.message;
  const small = issue.code === 'too_small';
  const bound = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
    if (small) return issue.inclusive ? `must be at least ${bound}` : `must be greater than ${bound}`;
    return issue.inclusive ? `must be at most ${bound}` : `must be less than ${bound}`;
  }
  const unit = issue.origin === 'string' ? 'character' : 'item';
  if (small && bound === 1) return 'cannot be empty';
  return `${small ? 'needs at least' : 'allows at most'} ${bound} ${unit}${bound === 1 ? '' : 's'}`;
}
