// Types of spec-validator.js, which scripts/build.mjs generates beside this file (not committed):
// ajv's standalone code for schemas/assignment.schema.json.
export interface GeneratedError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}
export type GeneratedValidator = ((data: unknown) => boolean) & { errors?: GeneratedError[] | null };
export declare const validateSpec: GeneratedValidator;
