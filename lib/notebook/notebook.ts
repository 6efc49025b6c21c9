// Jupyter notebooks (.ipynb) as the notebook kinds read them: the file's own JSON (JSON.parse, no
// regexes), validated against nbformat's published JSON Schema (v4.5, vendored beside this file
// from the nbformat package, BSD-3-Clause; see docs/checks/notebook.valid.md), then read through
// small typed helpers. Older v4 minors (4.0–4.4, most real notebooks) have no cell ids, so they
// are validated with the same schema less the id requirement, as nbformat itself does.
import { Failure } from '../errors.js';
import type { CheckContext } from '../context.js';
import { answerValidator, type SchemaError } from '../answer-schema.js';
import { plural, quoteLine } from '../util/text.js';
import schema45 from './nbformat.v4.5.schema.json' with { type: 'json' };

export type Source = string | string[];

export interface Output {
  output_type: 'stream' | 'execute_result' | 'display_data' | 'error' | string;
  name?: string;
  text?: Source;
  data?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface Cell {
  cell_type: 'code' | 'markdown' | 'raw' | string;
  id?: string;
  metadata: { tags?: string[]; name?: string; nbgrader?: { grade_id?: string }; [k: string]: unknown };
  source: Source;
  execution_count?: number | null;
  outputs?: Output[];
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: {
    kernelspec?: { name?: string; language?: string };
    language_info?: { name?: string; version?: string };
    [k: string]: unknown;
  };
  cells: Cell[];
}

/** The schema for a v4 minor version: 4.5 and later require cell ids, earlier minors have none. */
export function nbformatSchema(minor: number): Record<string, unknown> {
  if (minor >= 5) return schema45 as Record<string, unknown>;
  return (withoutIds ??= dropIds(schema45 as Record<string, unknown>));
}
let withoutIds: Record<string, unknown> | undefined;

function dropIds(s: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(s)) as {
    definitions: Record<string, { required?: string[] }>;
    properties: { nbformat_minor: { minimum?: number } };
  };
  for (const d of Object.values(copy.definitions)) if (Array.isArray(d.required)) d.required = d.required.filter((k) => k !== 'id');
  copy.properties.nbformat_minor.minimum = 0;
  return copy as unknown as Record<string, unknown>;
}

/** Both schemas, for the build to precompile (scripts/build.mjs). */
export const notebookSchemas = (): Record<string, unknown>[] => [nbformatSchema(5), nbformatSchema(4)];

export const sourceText = (s: Source | undefined): string => (Array.isArray(s) ? s.join('') : (s ?? ''));

/** "cell 4 (code)": cells counted from 1, as Jupyter shows them top to bottom. */
export const cellLabel = (nb: Notebook, i: number): string => `cell ${i + 1} (${nb.cells[i]?.cell_type ?? '?'})`;

/** A code cell with something in it (an empty cell need not be run). */
export const isCode = (c: Cell): boolean => c.cell_type === 'code' && sourceText(c.source).trim() !== '';

/** What a cell shows as text: its stdout and the plain-text form of its results, in order. */
export function outputText(cell: Cell): string {
  let out = '';
  for (const o of cell.outputs ?? []) {
    if (o.output_type === 'stream' && o.name === 'stdout') out += sourceText(o.text);
    else if ((o.output_type === 'execute_result' || o.output_type === 'display_data') && o.data && 'text/plain' in o.data) {
      const t = sourceText(o.data['text/plain'] as Source);
      out += t.endsWith('\n') ? t : `${t}\n`;
    }
  }
  return out;
}

/** The names a cell answers to: its tags, its nbformat `name`, its id, its nbgrader grade_id. */
export function cellNames(c: Cell): string[] {
  const m = c.metadata ?? {};
  return [...(Array.isArray(m.tags) ? m.tags : []), m.name, c.id, m.nbgrader?.grade_id].filter(
    (x): x is string => typeof x === 'string' && x !== '',
  );
}

/** ANSI colour codes, which Jupyter keeps in tracebacks. */
// eslint-disable-next-line no-control-regex -- an escape character is what starts an ANSI code
export const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');

const parsed = new WeakMap<object, Map<string, Promise<Notebook>>>();

/** Reads, parses and validates a notebook once per run (several checks read the same one). */
export function readNotebook(ctx: CheckContext, file: string, maxBytes?: number): Promise<Notebook> {
  let byFile = parsed.get(ctx.files);
  if (!byFile) parsed.set(ctx.files, (byFile = new Map()));
  const key = `${file}\0${maxBytes ?? ''}`;
  let p = byFile.get(key);
  if (!p) byFile.set(key, (p = load(ctx, file, maxBytes)));
  return p;
}

async function load(ctx: CheckContext, file: string, maxBytes?: number): Promise<Notebook> {
  const buf = await ctx.files.read(file, maxBytes);
  let data: unknown;
  try {
    data = JSON.parse(buf.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    const msg = (e as Error).message;
    const at = /position (\d+)/.exec(msg);
    const line = at ? buf.subarray(0, Number(at[1])).toString('utf8').split('\n').length : undefined;
    throw new Failure({
      code: 'not-json',
      file,
      line,
      rationale: `${file} is not a notebook: it is not valid JSON (${msg.replace(/^JSON\.parse: /, '').replace(/ in JSON at position \d+.*$/, '')}${line ? `, line ${line}` : ''}).`,
      hint:
        buf.length === 0
          ? `${file} is empty: save the notebook from Jupyter (File → Save) and commit it.`
          : 'Hand in the .ipynb file Jupyter saves (File → Save, or Download as .ipynb), not an export or a copy edited by hand.',
    });
  }
  const nb = data as Partial<Notebook> | null;
  if (!nb || typeof nb !== 'object' || Array.isArray(nb) || typeof nb.nbformat !== 'number') {
    throw new Failure({
      code: 'not-notebook',
      file,
      rationale: `${file} is JSON, but not a Jupyter notebook (it has no nbformat version).`,
      hint: 'Hand in the .ipynb file Jupyter saves for your notebook.',
    });
  }
  if (nb.nbformat !== 4) {
    throw new Failure({
      code: 'old-format',
      file,
      rationale: `${file} is a version ${nb.nbformat} notebook; version 4 is expected.`,
      hint:
        nb.nbformat < 4
          ? 'Open it in a current Jupyter and save it again (it converts the notebook to version 4), or run: jupyter nbconvert --to notebook --inplace ' +
            file
          : 'Save it with a Jupyter that writes version 4 notebooks.',
    });
  }
  const minor = typeof nb.nbformat_minor === 'number' ? nb.nbformat_minor : 0;
  const errors = await (await answerValidator(nbformatSchema(minor)))(nb);
  if (errors.length) {
    const e = relevant(nb, nbformatSchema(minor), errors);
    const cell = /^\/cells\/(\d+)/.exec(e.path);
    const where = cell
      ? `${cellLabel(nb as Notebook, Number(cell[1]))}, at ${e.path.slice(cell[0].length) || 'the cell itself'}`
      : e.path || 'the top level';
    throw new Failure({
      code: 'invalid',
      file,
      rationale: `${file} is not a valid notebook (nbformat 4.${minor}): in ${where}, ${e.message.replace(/^must be (\w+),(\w+)$/, 'must be $1 or $2')}.`,
      hint: `Open it in Jupyter and save it again, which repairs most damage; edit .ipynb files only in Jupyter.${errors.length > 1 ? ` (${plural(errors.length, 'problem')} in all.)` : ''}`,
      actual: e.path ? quoteLine(JSON.stringify(pointer(nb, e.path)) ?? 'undefined', 160) : undefined,
    });
  }
  return nb as Notebook;
}

/**
 * The error that says what is wrong. A cell (and an output) is a oneOf of its kinds, so one problem
 * comes back once per kind: keep the errors of the kind the cell or output says it is (its
 * cell_type or output_type, looked up in the schema itself), then take the deepest.
 */
function relevant(nb: unknown, schema: Record<string, unknown>, errors: SchemaError[]): SchemaError {
  const defs = schema.definitions as Record<string, { required?: string[]; properties?: Record<string, unknown> }>;
  const defFor = (o: unknown) => {
    const x = o as { cell_type?: unknown; output_type?: unknown } | null;
    if (!x || typeof x !== 'object') return undefined;
    if (typeof x.output_type === 'string') return defs[x.output_type];
    if (typeof x.cell_type === 'string') return defs[`${x.cell_type}_cell`];
    return undefined;
  };
  const mine = (e: SchemaError): boolean => {
    if (/schema in (oneOf|anyOf)/.test(e.message)) return false;
    const keyed = e.message.startsWith('missing key') || e.message.startsWith('unexpected key');
    const def = defFor(keyed ? pointer(nb, e.path) : pointer(nb, e.path.replace(/\/[^/]*$/, '')));
    if (!def) return true;
    if (/\/(cell_type|output_type)$/.test(e.path)) return false; // another kind's value: its branch, not this one
    if (e.message.startsWith('missing key')) return (def.required ?? []).includes(e.key ?? '');
    const last = keyed ? (e.key ?? '') : e.path.split('/').pop()!;
    return e.message.startsWith('unexpected key') ? !(last in (def.properties ?? {})) : last in (def.properties ?? {});
  };
  const kept = errors.filter(mine);
  return [...(kept.length ? kept : errors)].sort((a, b) => b.path.length - a.path.length)[0];
}

function pointer(v: unknown, p: string): unknown {
  for (const seg of p.split('/').slice(1))
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return v;
}
