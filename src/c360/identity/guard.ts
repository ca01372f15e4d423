/**
 * The `match.max_per_profile` guard. A customer with more distinct values of a kind than
 * allowed (say eleven emails when the limit is five) is almost always several people chained
 * together by one shared identifier: a household landline, a shop's loyalty card, a junk value
 * the block list does not know. The guard cuts such chains at their weakest link, one link
 * per over-limit customer per round, and the resolver recomputes the components until no
 * customer is over a limit (or no link is left to cut).
 *
 * **Weakest links** (deterministic, independent of the order anything is read in): among the
 * identifier values of the over-limit customer that link two or more of its records, those
 * whose records carry the most distinct values of the over-limit kind — the values that bridge
 * the most "people". Every value tied at that maximum is cut in the same round, so a customer
 * chained by thousands of equally weak links falls apart in a few rounds, not thousands.
 * A value of the over-limit kind itself bridges only one value of its kind, so it is never
 * chosen: cutting it could not bring the count down.
 */
export interface LinkCandidate {
  /** The over-limit component (its label). */
  component: number;
  /** The over-limit kind. */
  overKind: string;
  kind: string;
  key: string;
  /** Distinct values of overKind among the records that carry this value. */
  bridged: number;
  /** Records that carry this value. */
  records: number;
}

function weaker(a: LinkCandidate, b: LinkCandidate): number {
  return b.bridged - a.bridged || b.records - a.records || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * The cuts of one round: per over-limit component, every candidate tied at the highest
 * `bridged` (at least 2); sorted weakest first within each component.
 */
export function chooseCuts<T extends LinkCandidate>(candidates: Iterable<T>): T[] {
  const top = new Map<number, number>();
  const all: T[] = [];
  for (const c of candidates) {
    if (c.bridged < 2 || c.records < 2) continue;
    all.push(c);
    top.set(c.component, Math.max(top.get(c.component) ?? 0, c.bridged));
  }
  return all.filter((c) => c.bridged === top.get(c.component)).sort((a, b) => a.component - b.component || weaker(a, b));
}

/** The SQL ORDER BY that sorts candidates weakest first, matching `weaker`. */
export const WEAKEST_FIRST = 'bridged DESC, records DESC, kind ASC, key ASC';
