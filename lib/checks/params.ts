// Parameter schemas that many kinds share, so they read (and document) the same everywhere.

/** A file relative to the assignment folder; `what` says which file it is, for the docs. */
export function fileParam(what = 'The file'): Record<string, unknown> {
  return { type: 'string', minLength: 1, description: `${what}, relative to the assignment folder.` };
}

/** A list of files relative to the assignment folder, with a description of what must hold for them. */
export function filesParam(description: string): Record<string, unknown> {
  return { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, description };
}

/** The size cap on a file a check reads. */
export const maxBytesParam: Record<string, unknown> = {
  type: 'integer',
  minimum: 1,
  description: 'Largest size accepted, in bytes (default 16 MB).',
};

/** The params of a kind that runs test files: the tests, the files they need, an output cap. */
export interface TestRunParams {
  tests: string | string[];
  files?: string[];
  maxOutputBytes?: number;
}

/** The test files of TestRunParams, as a list. */
export const testsOf = (p: TestRunParams): string[] => (Array.isArray(p.tests) ? p.tests : [p.tests]);

/** The schema of TestRunParams; `example` names a test file for the docs. */
export function testRunParams(example: string): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['tests'],
    properties: {
      tests: {
        description: `The test file(s), relative to the assignment folder, such as ${example}.`,
        anyOf: [
          { type: 'string', pattern: '\\.py$' },
          { type: 'array', minItems: 1, items: { type: 'string', pattern: '\\.py$' } },
        ],
      },
      files: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'Other files the tests need (the module under test, sample data), copied alongside.',
      },
      maxOutputBytes: {
        type: 'integer',
        minimum: 1,
        description: 'Most output the tests may print before they are stopped; default 16 MB.',
      },
    },
  };
}
