/**
 * Stable customer ids across runs. A component of this run keeps the id of the previous
 * customer it shares the most records with; each previous id goes to one component only.
 * Claims are settled greedily, largest overlap first (ties: the previous customer that had
 * more records, then the smaller previous id, then the component holding the record the
 * previous id was derived from, then the component with the smaller label), so when a
 * customer splits, the part holding most of its records keeps the id, and when the parts are
 * equal, the part holding the record whose hash the id is. Two customers joined for a run
 * (a record linking them, later deleted or corrected) thus get their own ids back: the one
 * whose id the merge kept keeps it, and the other's fresh id is its old one again.
 *
 * A component that keeps no id gets a fresh one derived from its smallest member:
 * `c_` + the first 16 hex digits of md5(source_table, source_id) — the same data resolves to
 * the same ids on any machine, even on a first run. Should that id already be taken (it was
 * a previous customer's id that went to another component), a counter is appended to what is
 * hashed until it is free.
 */
import { createHash } from 'node:crypto';
import { quoteLiteral } from '../../engine/sql.js';

export interface Overlap {
  /** Dense component number, 0..components-1. */
  component: number;
  /** Dense previous customer number, 0..previous-1. */
  previous: number;
  overlap: number;
  previousSize: number;
  previousId: string;
  /** The component holds the record the previous id was derived from (freshCustomerId). */
  holdsOrigin?: boolean;
}

/** The SQL ORDER BY under which `assignKeptIds` must receive the overlaps. */
export const CLAIM_ORDER = 'overlap DESC, previous_size DESC, previous_id ASC, holds_origin DESC, component ASC';

/** Attempts (freshCustomerId's counter) under which a record is recognised as an id's origin. */
export const ORIGIN_ATTEMPTS = 4;

function compareClaims(a: Overlap, b: Overlap): number {
  return (
    b.overlap - a.overlap ||
    b.previousSize - a.previousSize ||
    (a.previousId < b.previousId ? -1 : a.previousId > b.previousId ? 1 : 0) ||
    Number(b.holdsOrigin ?? false) - Number(a.holdsOrigin ?? false) ||
    a.component - b.component
  );
}

/**
 * Settles claims offered in CLAIM_ORDER (the resolver streams them from DuckDB sorted);
 * memory is two typed arrays.
 */
export class KeptIds {
  readonly kept: Int32Array;
  private readonly taken: Uint8Array;

  constructor(components: number, previous: number) {
    this.kept = new Int32Array(components).fill(-1);
    this.taken = new Uint8Array(previous);
  }

  offer(component: number, previous: number): void {
    if (this.kept[component] !== -1 || this.taken[previous] === 1) return;
    this.kept[component] = previous;
    this.taken[previous] = 1;
  }
}

/** For each component, the previous customer number it keeps, or -1; sorts the overlaps first. */
export function assignKeptIds(overlaps: Iterable<Overlap>, components: number, previous: number): Int32Array {
  const k = new KeptIds(components, previous);
  for (const o of [...overlaps].sort(compareClaims)) k.offer(o.component, o.previous);
  return k.kept;
}

/** A fresh id from the smallest member of a component; `attempt` > 0 after a collision. */
export function freshCustomerId(sourceTable: string, sourceId: string, attempt = 0): string {
  const h = createHash('md5').update(`${sourceTable}\u0000${sourceId}${attempt > 0 ? `\u0000${attempt}` : ''}`).digest('hex');
  return `c_${h.slice(0, 16)}`;
}

/**
 * The same id in DuckDB SQL, over columns holding the table, the id and the attempt.
 * `salts`: per source table whose source id column is PII-tagged, the hash salt that prefixes
 * what is hashed (`salt NUL table NUL id`): an unsalted md5 of an email would let anyone who
 * can read customer ids test guessed addresses against them (docs/GOVERNANCE.md).
 */
export function freshCustomerIdSql(table: string, id: string, attempt: string, salts: ReadonlyMap<string, string> = new Map()): string {
  const salt = salts.size === 0 ? '' : `CASE ${table} ${[...salts].map(([t, s]) => `WHEN ${quoteLiteral(t)} THEN ${quoteLiteral(s)} || chr(0)`).join(' ')} ELSE '' END || `;
  return `'c_' || substr(md5(${salt}${table} || chr(0) || ${id} || CASE WHEN ${attempt} > 0 THEN chr(0) || CAST(${attempt} AS VARCHAR) ELSE '' END), 1, 16)`;
}
