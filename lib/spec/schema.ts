// The JSON Schema of assignment.yaml: a fixed envelope plus, for each check kind, its own params.
// scripts/build.mjs writes it to schemas/assignment.schema.json (committed, documented in
// docs/spec.md) and compiles it to standalone code, so nothing is compiled at run time.
import { registry } from '../checks/registry.js';

import { COMMON_KEYS } from './keys.js';

export { COMMON_KEYS };

const dateString = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2})?)?(Z|[+-]\\d{2}:?\\d{2})?$',
  description: 'A date and time, `2017-01-20 23:59`; read in `timezone` unless it carries an offset.',
};

const fileName = {
  type: 'string',
  minLength: 1,
  pattern: '^(?!/)(?!.*(^|/)\\.\\.(/|$))[^\\\\:*?"<>|\\u0000]+$',
  description: 'A path relative to the assignment folder, with forward slashes.',
};

// Bounded in every form (a number to an hour, strings by their digits to under three hours): a
// limit past what a timer can hold (24.8 days) would fire at once and fault every student.
const duration = {
  description: 'Seconds (at most 3600), or a string such as `90s`, `2m`.',
  anyOf: [
    { type: 'number', exclusiveMinimum: 0, maximum: 3600 },
    { type: 'string', pattern: '^(\\d{1,7}(\\.\\d+)?ms|\\d{1,4}(\\.\\d+)?s|\\d{1,3}(\\.\\d+)?m)$' },
  ],
};

export function buildSpecSchema(): Record<string, unknown> {
  const checkCommon = {
    id: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
      description: 'Stable id, unique in the spec; used in results, dependsOn and exports.',
    },
    kind: { type: 'string', description: 'The check kind; see docs/checks/.' },
    title: { type: 'string', minLength: 1, description: "What the student reads; defaults to the kind's own title." },
    description: { type: 'string', description: 'A note for spec authors; not shown to students.' },
    points: { type: 'number', minimum: 0, description: 'Points at stake (0 for an ungraded check).' },
    dependsOn: {
      type: 'array',
      items: { type: 'string' },
      uniqueItems: true,
      description: 'Ids of checks that must pass first; if one does not, this check is skipped.',
    },
    severity: { enum: ['error', 'warn'], description: '`warn`: a failure is advice and costs no points (the check must have 0 points).' },
    timeout: duration,
    extraCredit: { type: 'boolean', description: 'Points beyond the assignment total.' },
  };
  const perKind = [...registry.values()].map((k) => ({
    if: { properties: { kind: { const: k.kind } }, required: ['kind'] },
    then: {
      properties: { ...Object.fromEntries(COMMON_KEYS.map((c) => [c, true])), ...((k.params.properties as object) ?? {}) },
      required: (k.params.required as string[] | undefined) ?? [],
      additionalProperties: false,
    },
  }));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://course-harness.dev/schemas/assignment.schema.json',
    title: 'Assignment spec (assignment.yaml)',
    type: 'object',
    additionalProperties: false,
    required: ['id', 'title', 'points', 'files', 'checks'],
    properties: {
      id: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$', description: 'Assignment id, the folder name, e.g. `A1`.' },
      title: { type: 'string', minLength: 1, description: 'Title students and Canvas see.' },
      release: dateString,
      due: dateString,
      timezone: { type: 'string', description: "IANA time zone for `release` and `due`; defaults to the course's." },
      points: {
        type: 'number',
        minimum: 0,
        description: "Total points, not counting extra credit; must equal the sum of the checks' points.",
      },
      files: {
        type: 'object',
        additionalProperties: false,
        required: ['required'],
        description: 'What the student hands in.',
        properties: {
          required: { type: 'array', items: fileName, uniqueItems: true, description: 'Files that must be present.' },
          optional: { type: 'array', items: fileName, uniqueItems: true, description: 'Files checked and packed only when present.' },
        },
      },
      checks: {
        type: 'array',
        description: 'The checks, in the order students see them.',
        items: {
          type: 'object',
          required: ['id', 'kind', 'points'],
          properties: checkCommon,
          allOf: perKind,
        },
      },
    },
  };
}
