// TEMPLATE for a new check kind: copy this file to lib/checks/<area>-<what>.ts, rename, fill in,
// then list it in lib/checks/registry.ts and write docs/checks/<kind>.md. Not registered itself.
//
// The rules a kind follows:
// - `run` passes by returning. It fails by throwing Failure (points lost; `partial` in [0, 1]
//   keeps a share), Advice (a warning, no points lost) or Skip (cannot judge here: a tool or
//   credentials are missing). Anything else thrown is reported as a crash of the check.
// - Every Failure is one sentence saying what is wrong (`rationale`) plus a `hint` saying how to
//   fix it, with `file`/`line` and `expected`/`actual` where they help the student, and a
//   `code`: a short kebab-case reason that exports count whatever the prose says.
// - Read student files only through ctx.files (size caps, symlink rules); never print or exit.
// - Honour ctx.signal in anything slow (pass it to spawn/fetch); use ctx.now() for the time.
// - A spec mistake found at run time (a bad regex) is a UserError, not a Failure; put such tests
//   in `validate` too, so `harness lint` reports them before any student runs the check.
import { defineKind } from './kind.js';
import { fileParam } from './params.js';
import { skipIfOptionalAbsent } from './file-present.js';
import { Failure } from '../errors.js';

/** The kind's own parameters: everything in the check's mapping besides the common keys. */
export interface ExampleParams {
  file: string;
  /** Optional parameters get their default in `run`, and say it in their description. */
  word?: string;
}

export default defineKind<ExampleParams>({
  // Stable id used in specs and JSON results; never rename it once a spec uses it.
  kind: 'example.contains',
  // What the student reads as the check's name when the spec gives no `title`.
  title: (p) => `${p.file} mentions ${p.word ?? 'hello'}`,
  // JSON Schema draft-07. The spec schema and the docs are generated from it, so:
  // additionalProperties false, and a `description` on every property.
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: fileParam(),
      word: { type: 'string', minLength: 1, description: 'The word to look for; default `hello`.' },
    },
  },
  // The files the check reads: `harness lint` reports any the spec does not list under `files`.
  files: (p) => [p.file],
  // Semantic problems the schema cannot express; return [] when there are none.
  validate: () => [],
  async run(ctx, { file, word = 'hello' }) {
    await skipIfOptionalAbsent(ctx, file); // an optional file that is not handed in is skipped
    const text = (await ctx.files.read(file)).toString('utf8');
    if (!text.includes(word)) {
      throw new Failure({
        code: 'no-mention', // a stable kebab-case reason; results carry it as `<kind>/no-mention`
        rationale: `${file} does not mention "${word}".`,
        hint: `Add a line with "${word}" to ${file}.`,
        expected: word,
        file,
      });
    }
  },
});
