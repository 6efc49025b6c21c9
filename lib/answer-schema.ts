// Validators for schemas that specs give inline (YAML answer files, JSON evidence).
// `npm run build` compiles every such schema found in assignments/ to standalone code
// (dist/answer-schemas.mjs), so a student's `check` compiles nothing. A schema added after the
// build is compiled here with ajv, loaded only then.
import { createHash } from 'node:crypto';

export interface SchemaError {
  /** JSON pointer of the offending value ('' for the root). */
  path: string;
  message: string;
  /** The offending key, for additionalProperties/required errors. */
  key?: string;
}

/** Async: its `pattern` matching is guarded (util/pattern.ts) and may be redone in linear time. */
export type AnswerValidator = (data: unknown) => Promise<SchemaError[]>;

type CompiledFn = ((data: unknown) => boolean) & { errors?: AjvLikeError[] | null };
interface AjvLikeError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

let precompiled: Record<string, CompiledFn> | undefined;

/** Stable hash of a schema: keys sorted, so formatting in the spec does not matter. */
export function schemaHash(schema: unknown): string {
  return createHash('sha256').update(canonical(schema)).digest('hex').slice(0, 16);
}

export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Loads the build-time validators (lib/spec/generated/answer-validators.js). */
export async function loadPrecompiled(): Promise<Record<string, CompiledFn>> {
  precompiled ??= (await import('./spec/generated/answer-validators.js')).answerSchemas;
  return precompiled;
}

/** Whether build-time code exists for this schema, so it needs no compiling (false before loadPrecompiled). */
export function isPrecompiled(schema: object): boolean {
  return Boolean(precompiled?.[schemaHash(schema)]);
}

const validators = new WeakMap<object, Promise<AnswerValidator>>();

/** The validator for a schema; made once per schema object (a batch checks many students against the same spec). */
export function answerValidator(schema: object): Promise<AnswerValidator> {
  let v = validators.get(schema);
  if (!v) {
    validators.set(schema, (v = makeValidator(schema)));
    v.catch(() => validators.delete(schema));
  }
  return v;
}

async function makeValidator(schema: object): Promise<AnswerValidator> {
  const key = schemaHash(schema);
  let fn = (await loadPrecompiled())[key];
  if (!fn) {
    const { default: Ajv } = await import('ajv');
    const { ajvPattern } = await import('./util/pattern.js');
    // `pattern` keywords match in linear time, as in the precompiled validators (scripts/build.mjs).
    const ajv = new (Ajv as unknown as typeof import('ajv').default)({
      allErrors: true,
      strict: false,
      logger: false,
      code: { regExp: ajvPattern },
    });
    fn = ajv.compile(schema) as CompiledFn;
  }
  const compiled = fn;
  const { linearTime } = await import('./util/pattern.js');
  return (data) => linearTime(() => (compiled(data) ? [] : (compiled.errors ?? []).map(toSchemaError)));
}

function toSchemaError(e: AjvLikeError): SchemaError {
  const key =
    (e.params.additionalProperty as string | undefined) ??
    (e.params.missingProperty as string | undefined) ??
    (e.instancePath ? e.instancePath.split('/').pop() : undefined);
  let message = e.message ?? e.keyword;
  if (e.keyword === 'additionalProperties') message = `unexpected key "${e.params.additionalProperty}"`;
  if (e.keyword === 'required') message = `missing key "${e.params.missingProperty}"`;
  if (e.keyword === 'enum') message = `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return { path: e.instancePath, message, key: key?.replace(/~1/g, '/').replace(/~0/g, '~') };
}
