/** hour: hours from 1970-01-01 00:00:00 (spec: "Partition Transforms"); timestamps only. */
import { TIMESTAMP_SOURCES, hoursOf } from './temporal.js';
import { nullSafe, type TransformImpl } from './transform.js';

export const hour: TransformImpl = {
  name: 'hour',
  canTransform: (source) => TIMESTAMP_SOURCES.includes(source.kind),
  resultType: () => 'int',
  bind: (source, type) => nullSafe((v) => hoursOf(source, type, v)),
};
