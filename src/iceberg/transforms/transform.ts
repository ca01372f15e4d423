/**
 * The shape every partition transform file implements (spec: "Partition Transforms").
 * index.ts parses transform strings and dispatches to these.
 */
import type { IcebergValue, PrimitiveType } from '../types.js';
import type { Primitive } from '../primitive.js';

export interface TransformImpl {
  /** The spec's JSON name: 'identity', 'bucket[16]', 'truncate[10]', 'day', ... */
  readonly name: string;
  /** The "Source types" column of the spec's transform table. */
  canTransform(source: Primitive): boolean;
  /** The "Result type" column. */
  resultType(sourceType: PrimitiveType): PrimitiveType;
  /**
   * A function from source values to partition values, bound once per column so hot loops skip
   * the dispatch. "All transforms must return null for a null input value."
   */
  bind(source: Primitive, sourceType: PrimitiveType): (v: IcebergValue) => IcebergValue;
}

/** Wraps a non-null function with the spec's null rule. */
export function nullSafe(f: (v: Exclude<IcebergValue, null>) => IcebergValue): (v: IcebergValue) => IcebergValue {
  return (v) => (v === null ? null : f(v));
}
