import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Document, parse } from 'yaml';
import { validatePipelineText, validateProjectText } from '../../src/pipeline/index.js';
import { ENV, FIXTURES } from './helpers.js';

type Path = (string | number)[];

function paths(v: unknown, at: Path = []): Path[] {
  if (Array.isArray(v)) return [at, ...v.flatMap((x, i) => paths(x, [...at, i]))];
  if (v !== null && typeof v === 'object') return [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))];
  return [at];
}

function replaced(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

// Every field of every valid fixture, replaced by a value of each wrong shape: validation must
// report, never throw, and every diagnostic must carry a real position.
describe('validation never throws, whatever the shape', () => {
  // The DESIGN examples plus the fixtures with the most field kinds (http, csv options, checks).
  const files = ['crm_contacts', 'customer_identity', 'support_tickets', 'store_products'].map((f) => join(FIXTURES, 'project/pipelines', `${f}.yaml`));
  it.each(files)('%s', (file) => {
    const data = parse(readFileSync(file, 'utf8')) as unknown;
    for (const p of paths(data)) {
      for (const bad of [7, [], { kind: 'identity' }]) {
        const text = new Document(replaced(data, p, bad)).toString();
        const r = validatePipelineText(text, file, ENV);
        for (const d of r.diagnostics) {
          expect(d.line, `${p.join('.')}=${JSON.stringify(bad)}: ${d.message}`).toBeGreaterThan(0);
          expect(d.col).toBeGreaterThan(0);
        }
      }
    }
  });

  it('floe.yaml', () => {
    const data = parse(readFileSync(join(FIXTURES, 'project/floe.yaml'), 'utf8')) as unknown;
    for (const p of paths(data)) {
      for (const bad of ['x', 7, [], {}, null, true]) {
        const r = validateProjectText(new Document(replaced(data, p, bad)).toString(), '/p/floe.yaml', ENV);
        for (const d of r.diagnostics) expect(d.line).toBeGreaterThan(0);
      }
    }
  });
});
