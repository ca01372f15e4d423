/** Row filters for scan planning: see expr.ts. */
export * from './expr.js';
export { bind, literalValue, parseTimestampMicros } from './bind.js';
export { projectInclusive } from './project.js';
export { metricsMightMatch, partitionMightMatch, summariesMightMatch } from './evaluate.js';
