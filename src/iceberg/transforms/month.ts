/** month: months from 1970-01-01 (spec: "Partition Transforms"); 1969-12 → -1. */
import { DATE_SOURCES, daysOf } from './temporal.js';
import { monthsFromEpoch } from './calendar.js';
import { nullSafe, type TransformImpl } from './transform.js';

export const month: TransformImpl = {
  name: 'month',
  canTransform: (source) => DATE_SOURCES.includes(source.kind),
  resultType: () => 'int',
  bind: (source, type) => nullSafe((v) => monthsFromEpoch(daysOf(source, type, v))),
};
