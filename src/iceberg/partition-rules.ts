/**
 * Redundant partition fields (spec "Partitioning"; the rule of Iceberg's PartitionSpec builder
 * in Java, PyIceberg and iceberg-rust): two fields of one spec over the same source column are
 * redundant when their transforms have the same dedup name. The time transforms year, month,
 * day and hour share one dedup name, since each is a coarser view of the others (a table
 * partitioned by day(ts) and hour(ts) has one hour folder per day folder); every other
 * transform is its own (`identity`, `bucket[16]`, `truncate[4]`). So `day(ts)` with
 * `hour(ts)` is redundant, as is `bucket(16, id)` twice, while `id` with `bucket(16, id)`,
 * or `bucket(16, id)` with `bucket(8, id)`, is not. Pure.
 */

const TIME_TRANSFORMS = new Set(['year', 'month', 'day', 'hour']);

/** The transform's dedup name: `time` for year/month/day/hour, else the transform itself. */
export function dedupName(transform: string): string {
  const t = transform.replace(/\s+/g, '').toLowerCase();
  return TIME_TRANSFORMS.has(t) ? 'time' : t;
}

/** A partition field for this rule: its source (a column id or name) and its transform. */
export interface DedupField {
  source: number | string;
  transform: string;
}

export interface RedundantPair<T> {
  first: T;
  second: T;
  /** Why, in words, to follow "are redundant: ". */
  reason: string;
}

/**
 * The first pair of redundant fields, in order, or undefined. Void fields (v1 tables keep a
 * removed field as void) partition nothing and are never redundant. With `added`, only a
 * pair in which at least one field is added counts (a table another engine made redundant is
 * left alone until a change touches the pair).
 */
export function redundantPartitionFields<T extends DedupField>(fields: readonly T[], added?: (f: T) => boolean): RedundantPair<T> | undefined {
  const live = fields.filter((f) => dedupName(f.transform) !== 'void');
  for (let j = 1; j < live.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = live[i]!;
      const b = live[j]!;
      if (a.source !== b.source || dedupName(a.transform) !== dedupName(b.transform)) continue;
      if (added && !added(a) && !added(b)) continue;
      const same = a.transform.replace(/\s+/g, '').toLowerCase() === b.transform.replace(/\s+/g, '').toLowerCase();
      return { first: a, second: b, reason: same ? 'the same transform of one column twice' : 'a column takes only one of the time transforms year, month, day and hour' };
    }
  }
  return undefined;
}

/** `day(ts)`, `bucket(16, id)`, `country`: a field as the user writes it. */
export function partitionExprText(source: string, transform: string): string {
  const m = /^(bucket|truncate)\[(\d+)\]$/.exec(transform);
  if (m) return `${m[1]}(${m[2]}, ${source})`;
  return transform === 'identity' ? source : `${transform}(${source})`;
}
