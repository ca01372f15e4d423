/**
 * void: always null (spec: "Partition Transforms"). Used to drop a partition field in v1
 * tables, where fields cannot be removed from a spec.
 */
import type { TransformImpl } from './transform.js';

export const voidTransform: TransformImpl = {
  name: 'void',
  canTransform: () => true,
  // "Source type or int": the source type keeps the partition tuple's field type unchanged
  // when an existing field is replaced by void, which is what Java does.
  resultType: (sourceType) => sourceType,
  bind: () => () => null,
};
