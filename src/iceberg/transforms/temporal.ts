/**
 * Shared by year/month/day/hour: the source value as days or hours from the epoch, with floor
 * semantics so values before 1970 give negative ordinals (spec: "Partition Transforms").
 */
import type { IcebergValue, PrimitiveType } from '../types.js';
import type { Primitive } from '../primitive.js';
import { asBigInt, asNumber } from '../conversions.js';
import { MICROS_PER_HOUR, floorDiv, microsToDays, nanosToMicros } from './calendar.js';

export const DATE_SOURCES = ['date', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns'];
export const TIMESTAMP_SOURCES = ['timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns'];

function micros(source: Primitive, type: PrimitiveType, v: IcebergValue): bigint {
  const x = asBigInt(type, v);
  return source.kind === 'timestamp_ns' || source.kind === 'timestamptz_ns' ? nanosToMicros(x) : x;
}

export function daysOf(source: Primitive, type: PrimitiveType, v: IcebergValue): number {
  return source.kind === 'date' ? asNumber(type, v) : microsToDays(micros(source, type, v));
}

export function hoursOf(source: Primitive, type: PrimitiveType, v: IcebergValue): number {
  return Number(floorDiv(micros(source, type, v), MICROS_PER_HOUR));
}
