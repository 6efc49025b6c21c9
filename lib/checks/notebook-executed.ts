// notebook.executed: the notebook was handed in run: every code cell has run, top to bottom, and
// none shows an error. Judged from the execution counts and outputs Jupyter saves in the file;
// nothing is run (notebook.execute re-runs it). See docs/checks/notebook.executed.md.
import { defineKind } from './kind.js';
import { maxBytesParam } from './params.js';
import { skipIfOptionalAbsent } from './file-present.js';
import { Failure } from '../errors.js';
import { cellLabel, isCode, readNotebook, stripAnsi } from '../notebook/notebook.js';
import { plural, quoteLine } from '../util/text.js';
import { notebookFile } from './notebook-valid.js';

export interface NotebookExecutedParams {
  file: string;
  fresh?: boolean;
  maxBytes?: number;
}

const RERUN = 'In Jupyter: Kernel → Restart & Run All, check every cell ran without an error, then save and commit the notebook.';

export default defineKind<NotebookExecutedParams>({
  kind: 'notebook.executed',
  title: (p) => `every code cell of ${p.file} ran, in order, without an error`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: notebookFile,
      fresh: {
        type: 'boolean',
        description:
          '`true`: the execution counts must be 1, 2, 3… down the notebook, as Restart & Run All leaves them. Default `false`: they need only increase.',
      },
      maxBytes: maxBytesParam,
    },
  },
  files: (p) => [p.file],
  async run(ctx, p) {
    await skipIfOptionalAbsent(ctx, p.file);
    const nb = await readNotebook(ctx, p.file, p.maxBytes);
    const file = p.file;
    const code = nb.cells.map((c, i) => ({ c, i })).filter(({ c }) => isCode(c));
    const notRun = code.filter(({ c }) => typeof c.execution_count !== 'number');
    if (notRun.length) {
      throw new Failure({
        code: 'not-run',
        file,
        rationale:
          notRun.length === code.length
            ? `No code cell of ${file} has been run (${plural(code.length, 'code cell')}, none with an execution count).`
            : `${plural(notRun.length, 'code cell')} of ${file} ${notRun.length === 1 ? 'has' : 'have'} not been run; the first is ${cellLabel(nb, notRun[0].i)}.`,
        hint: RERUN,
        partial: code.length ? (code.length - notRun.length) / code.length : 0,
      });
    }
    for (let k = 1; k < code.length; k++) {
      const [a, b] = [code[k - 1], code[k]];
      if (b.c.execution_count! <= a.c.execution_count!) {
        throw new Failure({
          code: 'out-of-order',
          file,
          rationale: `The cells of ${file} were not run top to bottom: ${cellLabel(nb, b.i)} ran as [${b.c.execution_count}], after ${cellLabel(nb, a.i)} [${a.c.execution_count}] above it.`,
          hint: `Its outputs may not be what the code above it gives. ${RERUN}`,
        });
      }
    }
    const k = code.findIndex(({ c }, n) => c.execution_count !== n + 1);
    if (p.fresh && k >= 0) {
      throw new Failure({
        code: 'not-fresh',
        file,
        rationale: `${file} was not run from a fresh kernel: ${cellLabel(nb, code[k].i)} ran as [${code[k].c.execution_count}], where Restart & Run All gives [${k + 1}].`,
        hint: RERUN,
      });
    }
    for (const { c, i } of code) {
      const err = (c.outputs ?? []).find((o) => o.output_type === 'error');
      if (err) {
        const tb = (err.traceback ?? []).map(stripAnsi).join('\n');
        throw new Failure({
          code: 'error-output',
          file,
          rationale: `${cellLabel(nb, i)} of ${file} shows an error: ${quoteLine(`${err.ename ?? 'Error'}: ${err.evalue ?? ''}`, 160)}`,
          hint: `Fix the cell (the traceback says where the error is). ${RERUN}`,
          actual: tb ? tb.split('\n').slice(-12).join('\n') : undefined,
        });
      }
    }
    return { note: `${plural(code.length, 'code cell')} ran in order${p.fresh ? ' from a fresh kernel' : ''}` };
  },
});
