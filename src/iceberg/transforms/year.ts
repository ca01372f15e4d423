/** year: years from 1970 (spec: "Partition Transforms"); 1969-12-31 → -1. */
import { DATE_SOURCES, daysOf } from './temporal.js';
import { yearsFromEpoch } from './calendar.js';
import { nullSafe, type TransformImpl } from './transform.js';

export const year: TransformImpl = {
  name: 'year',
  canTransform: (source) => DATE_SOURCES.includes(source.kind),
  resultType: () => 'int',
  bind: (source, type) => nullSafe((v) => yearsFromEpoch(daysOf(source, type, v))),
};
