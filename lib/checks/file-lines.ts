// file.lines: line and pattern rules over a text answer (counts, per-line regexes, expected lines,
// tab-separated fields, order, duplicates, blank lines). Rules run in a fixed order and the first
// broken one is reported; see docs/checks/file.lines.md.
import { defineKind } from './kind.js';
import { fileParam, maxBytesParam } from './params.js';
import { readAnswerText } from './file-present.js';
import { Failure, UserError } from '../errors.js';
import { checkLines, firstOf, validateParams, type FileLinesParams, type Rule } from '../lines.js';

export type { FileLinesParams, Rule };

const ruleSchema = (what: string) => ({
  description: `${what} A JavaScript regular expression, or {pattern, describe, flags}.`,
  anyOf: [
    { type: 'string', minLength: 1 },
    {
      type: 'object',
      additionalProperties: false,
      required: ['pattern'],
      properties: {
        pattern: { type: 'string', minLength: 1, description: 'JavaScript regular expression.' },
        describe: { type: 'string', minLength: 1, description: 'What a good line looks like, in words for the student.' },
        flags: { type: 'string', pattern: '^[imsu]*$', description: 'Regular-expression flags: any of i, m, s, u.' },
      },
    },
  ],
});

const fieldIndex = { type: 'integer', minimum: 1, description: 'Field number, counting from 1.' };

export default defineKind<FileLinesParams>({
  kind: 'file.lines',
  title: (p) => `${p.file} has lines in the expected form`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: fileParam(),
      maxBytes: maxBytesParam,
      comments: {
        type: 'string',
        minLength: 1,
        description: 'Lines starting with this (after spaces), such as "#", are comments: ignored by every rule.',
      },
      blankLines: {
        enum: ['forbid', 'allow'],
        description: '`forbid` (default): any blank line fails, including extra ones at the end. `allow`: blank lines are ignored.',
      },
      count: {
        description: 'Number of answer lines (not blank, not comments): an exact number or {min, max}.',
        anyOf: [
          { type: 'integer', minimum: 0 },
          {
            type: 'object',
            additionalProperties: false,
            properties: {
              min: { type: 'integer', minimum: 0, description: 'At least this many answer lines.' },
              max: { type: 'integer', minimum: 0, description: 'At most this many answer lines.' },
            },
          },
        ],
      },
      fields: {
        type: 'object',
        additionalProperties: false,
        description: 'Every answer line is split into fields.',
        properties: {
          separator: { type: 'string', minLength: 1, description: 'Field separator; default a tab.' },
          count: { type: 'integer', minimum: 1, description: 'Exact number of fields on every line.' },
          names: { type: 'array', items: { type: 'string' }, description: 'Field names for messages, such as [COUNT, URL].' },
          patterns: {
            type: 'array',
            items: { type: ['string', 'null'] },
            description: 'A regular expression per field (null: any); each must match the whole field.',
          },
        },
      },
      each: ruleSchema('Every answer line must match.'),
      expect: {
        type: 'array',
        minItems: 1,
        items: ruleSchema('At least one answer line must match.'),
        description: 'Lines that must each be present somewhere.',
      },
      unique: {
        description: '`true`: no answer line may repeat; {key: N}: no two lines may share field N.',
        anyOf: [{ type: 'boolean' }, { type: 'object', additionalProperties: false, required: ['key'], properties: { key: fieldIndex } }],
      },
      sorted: {
        description: '`asc` or `desc`, or {order, key, numeric}: answer lines in order of the whole line or of field `key`.',
        anyOf: [
          { enum: ['asc', 'desc'] },
          {
            type: 'object',
            additionalProperties: false,
            required: ['order'],
            properties: {
              order: { enum: ['asc', 'desc'], description: '`asc`: smallest first; `desc`: largest first.' },
              key: fieldIndex,
              numeric: { type: 'boolean', description: 'Compare as numbers rather than as text.' },
            },
          },
        ],
      },
      whole: ruleSchema('The whole text must match (with the m flag, so ^ and $ match at each line).'),
    },
  },
  files: (p) => [p.file],
  validate: validateParams,
  async run(ctx, p) {
    const problems = validateParams(p);
    if (problems.length)
      throw new UserError(
        `check ${ctx.check.id} (file.lines) has bad parameters: ${problems[0]}`,
        'Fix the check in assignment.yaml; `harness lint` lists every problem.',
        problems,
      );
    const text = await readAnswerText(ctx, p.file, p.maxBytes);
    const findings = await checkLines(text, p);
    if (findings.length === 0) return;
    throw new Failure({ ...firstOf(findings), file: p.file });
  },
});
