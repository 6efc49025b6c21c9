// notebook.valid: a .ipynb answer is a notebook Jupyter can open: JSON, nbformat 4, and valid
// against nbformat's own JSON Schema. The other notebook kinds read it the same way, so a spec
// lets them depend on this one. See docs/checks/notebook.valid.md.
import { defineKind } from './kind.js';
import { fileParam, maxBytesParam } from './params.js';
import { skipIfOptionalAbsent } from './file-present.js';
import { isCode, readNotebook } from '../notebook/notebook.js';
import { plural } from '../util/text.js';

export interface NotebookValidParams {
  file: string;
  maxBytes?: number;
}

export const notebookFile = { ...fileParam('The notebook (.ipynb)'), pattern: '\\.ipynb$' };

export default defineKind<NotebookValidParams>({
  kind: 'notebook.valid',
  title: (p) => `${p.file} is a valid Jupyter notebook`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: { file: notebookFile, maxBytes: maxBytesParam },
  },
  files: (p) => [p.file],
  async run(ctx, p) {
    await skipIfOptionalAbsent(ctx, p.file);
    const nb = await readNotebook(ctx, p.file, p.maxBytes);
    const code = nb.cells.filter(isCode).length;
    const kernel = nb.metadata.kernelspec?.name ?? nb.metadata.language_info?.name;
    return {
      note: `nbformat ${nb.nbformat}.${nb.nbformat_minor}, ${plural(nb.cells.length, 'cell')} (${code} code)${kernel ? `, kernel ${kernel}` : ''}`,
    };
  },
});
