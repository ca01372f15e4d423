/** Row filters for scan planning: see expr.ts. */
export * from './expr.js';
export { bind } from './bind.js';
export { projectInclusive } from './project.js';
export { metricsMightMatch, partitionMightMatch, summariesMightMatch } from './evaluate.js';
