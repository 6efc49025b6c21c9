// Types of the module scripts/build.mjs generates beside this file (validators.js, not committed):
// ajv's standalone code for the spec schema and for every inline answer schema in assignments/.
export interface GeneratedError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}
export type GeneratedValidator = ((data: unknown) => boolean) & { errors?: GeneratedError[] | null };
export declare const validateSpec: GeneratedValidator;
/** Keyed by schemaHash() of each answer schema. */
export declare const answerSchemas: Record<string, GeneratedValidator>;
