// Types of answer-validators.js, which scripts/build.mjs generates beside this file (not committed):
// ajv's standalone code for every inline answer schema in assignments/*/assignment.yaml.
import type { GeneratedValidator } from './spec-validator.js';
/** Keyed by schemaHash() of each answer schema. */
export declare const answerSchemas: Record<string, GeneratedValidator>;
