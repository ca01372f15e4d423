/**
 * The public face of src/pipeline: project and pipeline files, their validation and
 * diagnostics, interpolation, secrets, run order and the JSON Schema. Other layers import
 * from here; the files behind it may move.
 */
export { type Diagnostic, type Severity, type PathSegment, diagnosticsError, formatDiagnostic, formatPath, hasErrors, sortDiagnostics } from './diagnostics.js';
export { DURATION_HINT, formatDuration, parseDuration, tryParseDuration, tryParsePercent } from './duration.js';
export { columnTypeProblem, SIMPLE_TYPES } from './column-type.js';
export { parsePartitionExpr, parseSortExpr, type PartitionExpr, type SortExpr, type Parsed } from './expressions.js';
export { type Env, type Interpolation, interpolateDocument, interpolateString } from './interpolate.js';
export { parseYaml, locate, position, type Position, type YamlSource } from './parse.js';
export { collectSecrets, createRedactor, looksSecretName, redactDeep, redactUrl, type Redactor, urlSecrets } from './secrets.js';
export { type FileResult, pipelineNameFromFile, validatePipelineText } from './pipeline.js';
export { findProjectFile, loadProjectFile, PROJECT_FILE, type ProjectConfig, readProject, resolveProjectPath, validateProjectText } from './project.js';
export { type LoadedPipeline, type LoadOptions, loadProject, type ProjectLoad, validateProject } from './load.js';
export { readsTables, runOrder, type RunOrder, tableNamesInSql, writesTables } from './order.js';
export { jsonSchema, jsonSchemaText, SCHEMA_FILES, type SchemaName } from './json-schema.js';
export { type Check, CHECK_KINDS, type CheckKind } from './schema-checks.js';
export { tableNameProblem } from './schema-common.js';
export { type HttpPagination, SOURCE_KINDS, type Source, type SourceKind } from './schema-source.js';
export { type ColumnRule, type IdentityPipeline, type IngestPipeline, type Pipeline, type Target } from './schema-pipeline.js';
export { type AttributeRule, type SurvivorshipStrategy } from './schema-identity.js';
export { type Project, type S3Storage } from './schema-project.js';
