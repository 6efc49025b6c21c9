// notebook.output: what a named cell of a notebook shows (its stdout and the plain-text form of its
// results, as saved in the file) follows the rules of file.lines, or parses (as YAML, which takes
// JSON and a printed Python dict) and fits a JSON Schema, like file.yaml. A cell is named by a tag,
// its nbformat `name`, its id, or nbgrader's grade_id. See docs/checks/notebook.output.md.
import { defineKind } from './kind.js';
import { maxBytesParam } from './params.js';
import { skipIfOptionalAbsent } from './file-present.js';
import fileLines from './file-lines.js';
import { schemaFinding, schemaParam, validateSchema } from './file-yaml.js';
import { Failure, UserError } from '../errors.js';
import { firstOf, lineFindings, validateParams, type FileLinesParams } from '../lines.js';
import { answerValidator } from '../answer-schema.js';
import { cellLabel, cellNames, outputText, readNotebook } from '../notebook/notebook.js';
import { loadYaml, yaml } from '../util/yaml.js';
import { notebookFile } from './notebook-valid.js';

export interface NotebookOutputParams extends Omit<FileLinesParams, 'file'> {
  file: string;
  cell: string;
  schema?: Record<string, unknown>;
}

const { file: _f, maxBytes: _m, ...lineRules } = (fileLines.params as { properties: Record<string, unknown> }).properties;

export default defineKind<NotebookOutputParams>({
  kind: 'notebook.output',
  title: (p) => `the cell "${p.cell}" of ${p.file} shows ${p.schema ? 'the expected values' : 'output in the expected form'}`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file', 'cell'],
    properties: {
      file: notebookFile,
      cell: {
        type: 'string',
        minLength: 1,
        description: 'The cell: a tag on it (View → Cell Toolbar → Tags), its nbformat `name`, its id, or its nbgrader grade_id.',
      },
      schema: {
        ...schemaParam,
        description: `The cell's output, parsed as YAML (JSON and a printed Python dict parse too), must fit this JSON Schema. ${schemaParam.description}`,
      },
      maxBytes: maxBytesParam,
      ...lineRules,
    },
  },
  files: (p) => [p.file],
  prepare: loadYaml,
  validate: (p) => [...validateParams({ ...p, file: p.file }), ...(p.schema ? validateSchema(p.schema) : [])],
  async run(ctx, p) {
    const problems = validateParams({ ...p, file: p.file });
    if (problems.length)
      throw new UserError(
        `check ${ctx.check.id} (notebook.output) has bad parameters: ${problems[0]}`,
        'Fix the check in assignment.yaml; `harness lint` lists every problem.',
        problems,
      );
    await skipIfOptionalAbsent(ctx, p.file);
    const nb = await readNotebook(ctx, p.file, p.maxBytes);
    const at = nb.cells.map((c, i) => ({ c, i })).filter(({ c }) => cellNames(c).includes(p.cell));
    const file = p.file;
    if (at.length === 0) {
      throw new Failure({
        code: 'no-cell',
        file,
        rationale: `${file} has no cell named "${p.cell}".`,
        hint: `Tag the cell that prints this answer "${p.cell}" (in Jupyter: View → Cell Toolbar → Tags; in JupyterLab: the property inspector), then save and commit.`,
      });
    }
    if (at.length > 1) {
      throw new Failure({
        code: 'two-cells',
        file,
        rationale: `${at.length} cells of ${file} are named "${p.cell}" (${at.map(({ i }) => cellLabel(nb, i)).join(', ')}); only one may be.`,
        hint: `Keep the tag "${p.cell}" on the one cell that prints the answer.`,
      });
    }
    const { c, i } = at[0];
    const label = `the output of ${cellLabel(nb, i)} ("${p.cell}")`;
    const text = outputText(c);
    if (text.trim() === '') {
      throw new Failure({
        code: 'no-output',
        file,
        rationale: `${cellLabel(nb, i)} of ${file} ("${p.cell}") shows no output${typeof c.execution_count === 'number' ? '' : ': it has not been run'}.`,
        hint: 'Run the notebook (Kernel → Restart & Run All) so the cell prints its answer, then save and commit it.',
      });
    }
    if (p.schema) {
      await loadYaml();
      let data: unknown;
      try {
        data = JSON.parse(JSON.stringify(yaml().parse(text) ?? null));
      } catch (e) {
        throw new Failure({
          code: 'not-parsed',
          file,
          rationale: `${label} in ${file} cannot be read as values: ${(e as Error).message.split('\n')[0]}`,
          hint: 'Print the answer as "key: value" lines, JSON, or a Python dict.',
        });
      }
      const errors = await (await answerValidator(p.schema))(data);
      if (errors.length === 0) return;
      const f = schemaFinding(errors, { file: label, data, schema: p.schema, locate: () => undefined });
      throw new Failure({ ...f, code: 'schema', file, line: undefined });
    }
    const findings = lineFindings(text, { ...p, file: label });
    if (findings.length === 0) return;
    const f = firstOf(findings);
    throw new Failure({
      ...f,
      code: 'lines',
      hint: `${f.hint ?? ''} Fix the code, run the notebook again and save it.`.trim(),
      file,
      line: undefined,
    });
  },
});
