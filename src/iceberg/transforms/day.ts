/**
 * day: days from 1970-01-01 (spec: "Partition Transforms").
 *
 * The result type is `date`, as the spec's table says (note 1 only asks readers to also accept
 * `int`). Java writes the partition field as Avro int with logicalType date, and PyIceberg
 * declares DateType. The in-memory value is the same either way: a number of days (types.ts).
 */
import { DATE_SOURCES, daysOf } from './temporal.js';
import { nullSafe, type TransformImpl } from './transform.js';

export const day: TransformImpl = {
  name: 'day',
  canTransform: (source) => DATE_SOURCES.includes(source.kind),
  resultType: () => 'date',
  bind: (source, type) => nullSafe((v) => daysOf(source, type, v)),
};
