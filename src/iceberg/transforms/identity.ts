/** identity: the source value, unmodified (spec: "Partition Transforms"). */
import type { TransformImpl } from './transform.js';

export const identity: TransformImpl = {
  name: 'identity',
  // "Any primitive except for geometry and geography"; variant is not a primitive, and an
  // unknown-typed column is always null, so partitioning by it means nothing.
  canTransform: (source) =>
    !['geometry', 'geography', 'variant', 'unknown'].includes(source.kind),
  resultType: (sourceType) => sourceType,
  bind: () => (v) => v,
};
