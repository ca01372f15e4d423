/**
 * The `match.max_per_profile` guard. A customer with more distinct values of a kind than
 * allowed (say eleven emails when the limit is five) is almost always several people chained
 * together by one shared identifier: a household landline, a shop's loyalty card, a junk value
 * the block list does not know. The guard cuts such chains at their weakest link, one link
 * per over-limit customer per round, and the resolver recomputes the components until no
 * customer is over a limit (or no link is left to cut).
 *
 * **Weakest link** (deterministic): among the identifier values of the over-limit customer
 * that link two or more of its records, the one whose records carry the most distinct values
 * of the over-limit kind — it is the value that bridges the most "people". Ties go to the
 * value shared by more records, then to the kind name, then to the value, in ascending order.
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

export function weaker(a: LinkCandidate, b: LinkCandidate): number {
  return b.bridged - a.bridged || b.records - a.records || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** One cut per over-limit component: its weakest link, or none when no value bridges. */
export function chooseCuts<T extends LinkCandidate>(candidates: Iterable<T>): T[] {
  const best = new Map<number, T>();
  for (const c of candidates) {
    if (c.bridged < 2 || c.records < 2) continue;
    const cur = best.get(c.component);
    if (!cur || weaker(c, cur) < 0) best.set(c.component, c);
  }
  return [...best.values()].sort((a, b) => a.component - b.component);
}

/** The SQL ORDER BY that sorts candidates weakest first, matching `weaker`. */
export const WEAKEST_FIRST = 'bridged DESC, records DESC, kind ASC, key ASC';
