// The notebook kinds on notebooks built here as JSON, as Jupyter saves them (nbformat 4.4 without
// cell ids, 4.5 with), and, where jupyter nbconvert is installed, re-run with a real kernel.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { makeCtx, tempDir, type FileMap } from './helpers/fixture.js';
import { CannotJudge, Failure, Skip } from '../lib/errors.js';
import type { CheckKind } from '../lib/checks/kind.js';
import valid from '../lib/checks/notebook-valid.js';
import executed from '../lib/checks/notebook-executed.js';
import output from '../lib/checks/notebook-output.js';
import execute from '../lib/checks/notebook-execute.js';
import { which } from '../lib/run/sandbox.js';

type Out = Record<string, unknown>;
interface C {
  src: string;
  n?: number | null;
  out?: Out[];
  tags?: string[];
  type?: string;
  id?: string;
  meta?: Record<string, unknown>;
}

/** A notebook as Jupyter writes it; `minor` 5 gives every cell an id. */
export function notebook(cells: C[], minor = 4): string {
  return JSON.stringify(
    {
      nbformat: 4,
      nbformat_minor: minor,
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
      cells: cells.map((c, i) => {
        const type = c.type ?? 'code';
        const base: Record<string, unknown> = {
          cell_type: type,
          metadata: { ...(c.tags ? { tags: c.tags } : {}), ...c.meta },
          source: c.src.split(/(?<=\n)/),
        };
        if (minor >= 5) base.id = c.id ?? `cell-${i}`;
        if (type === 'code') Object.assign(base, { execution_count: c.n === undefined ? null : c.n, outputs: c.out ?? [] });
        return base;
      }),
    },
    null,
    1,
  );
}
const stdout = (text: string): Out => ({ output_type: 'stream', name: 'stdout', text: text.split(/(?<=\n)/) });
const result = (text: string, n: number): Out => ({
  output_type: 'execute_result',
  execution_count: n,
  metadata: {},
  data: { 'text/plain': text },
});
const error = (ename: string, evalue: string): Out => ({
  output_type: 'error',
  ename,
  evalue,
  traceback: ['\u001b[0;31m---------\u001b[0m', `\u001b[0;31m${ename}\u001b[0m: ${evalue}`],
});

async function outcome<P>(
  kind: CheckKind<P>,
  files: FileMap,
  params: P,
  over: { timeout?: number } = {},
): Promise<{ note?: string } | Failure | Skip | Error> {
  const dir = await tempDir(files, 'harness-nb-');
  const ctx = makeCtx(dir, params as Record<string, unknown>);
  ctx.check.timeout = over.timeout ?? 60;
  try {
    return (await kind.run(ctx, params)) ?? {};
  } catch (e) {
    return e as Error;
  }
}
const code = (r: unknown) =>
  r instanceof Failure ? r.code : r instanceof Skip ? 'skip' : r instanceof Error ? `crash: ${r.message}` : 'pass';

const RAN = [
  { src: '# Hops\n', type: 'markdown' },
  { src: 'rows = [(1, 10), (2, 12)]\n', n: 1 },
  { src: '', n: null }, // an empty cell need not run
  { src: 'for hop, n in rows:\n    print(f"{hop}\\t{n}")\n', n: 2, tags: ['rows-per-hop'], out: [stdout('1\t10\n2\t12\n')] },
  { src: 'len(rows)\n', n: 3, out: [result('2', 3)] },
];

describe('notebook.valid', () => {
  it('passes notebooks as Jupyter saves them: 4.4 without cell ids, 4.5 with', async () => {
    expect(await outcome(valid, { 'q.ipynb': notebook(RAN) }, { file: 'q.ipynb' })).toEqual({
      note: 'nbformat 4.4, 5 cells (3 code), kernel python3',
    });
    expect(await outcome(valid, { 'q.ipynb': notebook(RAN, 5) }, { file: 'q.ipynb' })).toEqual({
      note: 'nbformat 4.5, 5 cells (3 code), kernel python3',
    });
  });

  it('fails a file that is not JSON, JSON that is not a notebook, an old format, and a damaged notebook', async () => {
    const cut = notebook(RAN).slice(0, 200);
    const f = (await outcome(valid, { 'q.ipynb': cut }, { file: 'q.ipynb' })) as Failure;
    expect([f.code, f.rationale]).toEqual([
      'not-json',
      expect.stringMatching(/^q\.ipynb is not a notebook: it is not valid JSON \(.*, line \d+\)\.$/),
    ]);
    expect(code(await outcome(valid, { 'q.ipynb': '{"cells": []}' }, { file: 'q.ipynb' }))).toBe('not-notebook');
    const old = (await outcome(
      valid,
      { 'q.ipynb': '{"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}' },
      { file: 'q.ipynb' },
    )) as Failure;
    expect([old.code, old.hint]).toEqual(['old-format', expect.stringContaining('jupyter nbconvert --to notebook --inplace q.ipynb')]);
    // 4.5 requires cell ids; a stream output needs its name.
    const noIds = JSON.parse(notebook(RAN, 5));
    delete noIds.cells[1].id;
    const g = (await outcome(valid, { 'q.ipynb': JSON.stringify(noIds) }, { file: 'q.ipynb' })) as Failure;
    expect([g.code, g.rationale]).toEqual([
      'invalid',
      expect.stringMatching(/^q\.ipynb is not a valid notebook \(nbformat 4\.5\): in cell 2 \(code\), .*id/),
    ]);
    const badOut = JSON.parse(notebook(RAN));
    delete badOut.cells[3].outputs[0].name;
    const h = (await outcome(valid, { 'q.ipynb': JSON.stringify(badOut) }, { file: 'q.ipynb' })) as Failure;
    expect([h.code, h.rationale]).toEqual(['invalid', expect.stringMatching(/in cell 4 \(code\), at \/outputs\/0/)]);
  });

  it('a missing required notebook fails; a missing optional one is skipped', async () => {
    expect(((await outcome(valid, {}, { file: 'q.ipynb' })) as Failure).rationale).toBe('q.ipynb is missing.');
  });
});

describe('notebook.executed', () => {
  it('passes a notebook whose code cells ran top to bottom without an error', async () => {
    expect(await outcome(executed, { 'q.ipynb': notebook(RAN) }, { file: 'q.ipynb' })).toEqual({ note: '3 code cells ran in order' });
    expect(await outcome(executed, { 'q.ipynb': notebook(RAN) }, { file: 'q.ipynb', fresh: true })).toEqual({
      note: '3 code cells ran in order from a fresh kernel',
    });
  });

  it('fails cells not run, run out of order, not from a fresh kernel, or showing an error', async () => {
    const notRun = RAN.map((c) => ({ ...c, n: c.n === 2 ? null : c.n }));
    const f = (await outcome(executed, { 'q.ipynb': notebook(notRun) }, { file: 'q.ipynb' })) as Failure;
    expect([f.code, f.rationale, f.partial]).toEqual([
      'not-run',
      '1 code cell of q.ipynb has not been run; the first is cell 4 (code).',
      2 / 3,
    ]);
    const starter = RAN.map((c) => ({ ...c, n: null, out: [] }));
    expect(((await outcome(executed, { 'q.ipynb': notebook(starter) }, { file: 'q.ipynb' })) as Failure).partial).toBe(0);
    const swapped = RAN.map((c) => ({ ...c, n: c.n === 2 ? 7 : c.n }));
    const g = (await outcome(executed, { 'q.ipynb': notebook(swapped) }, { file: 'q.ipynb' })) as Failure;
    expect([g.code, g.rationale]).toEqual([
      'out-of-order',
      'The cells of q.ipynb were not run top to bottom: cell 5 (code) ran as [3], after cell 4 (code) [7] above it.',
    ]);
    const later = RAN.map((c) => ({ ...c, n: typeof c.n === 'number' ? c.n + 4 : c.n }));
    expect(code(await outcome(executed, { 'q.ipynb': notebook(later) }, { file: 'q.ipynb' }))).toBe('pass');
    expect(code(await outcome(executed, { 'q.ipynb': notebook(later) }, { file: 'q.ipynb', fresh: true }))).toBe('not-fresh');
    const broken = RAN.map((c) => (c.n === 3 ? { ...c, out: [error('NameError', "name 'rowz' is not defined")] } : c));
    const h = (await outcome(executed, { 'q.ipynb': notebook(broken) }, { file: 'q.ipynb' })) as Failure;
    expect([h.code, h.rationale]).toEqual([
      'error-output',
      'cell 5 (code) of q.ipynb shows an error: "NameError: name \'rowz\' is not defined"',
    ]);
    expect(h.actual).toBe("---------\nNameError: name 'rowz' is not defined");
  });
});

describe('notebook.output', () => {
  const rows = {
    file: 'q.ipynb',
    cell: 'rows-per-hop',
    fields: { count: 2, names: ['HOP', 'ROWS'], patterns: ['[0-9]+', '[0-9]+'] },
    sorted: { order: 'asc' as const, key: 1, numeric: true },
  };

  it("judges a tagged cell's output with file.lines rules", async () => {
    expect(code(await outcome(output, { 'q.ipynb': notebook(RAN) }, rows))).toBe('pass');
    const wrong = RAN.map((c) => (c.tags ? { ...c, out: [stdout('1 10\n2 12\n')] } : c));
    const f = (await outcome(output, { 'q.ipynb': notebook(wrong) }, rows)) as Failure;
    expect([f.code, f.rationale]).toEqual([
      'lines',
      expect.stringMatching(/^Line 1 of the output of cell 4 \(code\) \("rows-per-hop"\) has 1 field/),
    ]);
  });

  it('finds a cell by tag, nbformat name, id or nbgrader grade_id; one cell only', async () => {
    const by = (c: Partial<C>) =>
      notebook(
        RAN.map((x) => (x.tags ? { ...x, tags: undefined, ...c } : x)),
        5,
      );
    for (const named of [
      { meta: { name: 'rows-per-hop' } },
      { id: 'rows-per-hop' },
      { meta: { nbgrader: { grade_id: 'rows-per-hop' } } },
    ]) {
      expect(code(await outcome(output, { 'q.ipynb': by(named) }, rows))).toBe('pass');
    }
    expect(code(await outcome(output, { 'q.ipynb': by({}) }, rows))).toBe('no-cell');
    const twice = notebook(RAN.map((c) => (c.n ? { ...c, tags: ['rows-per-hop'] } : c)));
    expect(((await outcome(output, { 'q.ipynb': twice }, rows)) as Failure).rationale).toBe(
      '3 cells of q.ipynb are named "rows-per-hop" (cell 2 (code), cell 4 (code), cell 5 (code)); only one may be.',
    );
    const starter = notebook(RAN.map((c) => ({ ...c, n: null, out: [] })));
    expect(((await outcome(output, { 'q.ipynb': starter }, rows)) as Failure).rationale).toBe(
      'cell 4 (code) of q.ipynb ("rows-per-hop") shows no output: it has not been run.',
    );
  });

  it('checks values against a schema: a printed dict, JSON, or key: value lines', async () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      required: ['rows', 'hops'],
      properties: { rows: { type: 'integer', minimum: 0, description: 'how many rows' }, hops: { type: 'integer' } },
    };
    const with_ = (text: string) => notebook([{ src: 'print(d)\n', n: 1, tags: ['summary'], out: [result(text, 1)] }]);
    for (const text of ["{'rows': 12, 'hops': 3}", '{"rows": 12, "hops": 3}', 'rows: 12\nhops: 3']) {
      expect([text, code(await outcome(output, { 'q.ipynb': with_(text) }, { file: 'q.ipynb', cell: 'summary', schema }))]).toEqual([
        text,
        'pass',
      ]);
    }
    const f = (await outcome(
      output,
      { 'q.ipynb': with_("{'rows': 'twelve', 'hops': 3}") },
      { file: 'q.ipynb', cell: 'summary', schema },
    )) as Failure;
    expect([f.code, f.rationale, f.hint]).toEqual([
      'schema',
      'In the output of cell 1 (code) ("summary"), `rows` must be a whole number.',
      '`rows`: how many rows',
    ]);
  });

  it('lint reports a bad pattern and a schema leaning on format', () => {
    expect(output.validate!({ file: 'q.ipynb', cell: 'x', each: '(' })).toEqual([
      expect.stringMatching(/^each: invalid regular expression/),
    ]);
    expect(output.validate!({ file: 'q.ipynb', cell: 'x', schema: { type: 'string', format: 'date' } })).toEqual([
      expect.stringMatching(/format: date/),
    ]);
  });
});

const NBCONVERT = !!(which('jupyter-nbconvert') ?? which('jupyter')) && spawnSync('jupyter', ['nbconvert', '--version']).status === 0;

describe.skipIf(!NBCONVERT)('notebook.execute with a real jupyter nbconvert and kernel', () => {
  it('re-runs a notebook from a fresh kernel, in a copy with its data, and passes when no cell fails', async () => {
    const nb = notebook([{ src: 'rows = open("data/hops.txt").read().split()\n' }, { src: 'print(len(rows))\n', tags: ['n'] }]);
    const r = await outcome(execute, { 'q.ipynb': nb, 'data/hops.txt': '1\n2\n3\n' }, { file: 'q.ipynb', files: ['data/hops.txt'] });
    expect(r).toEqual({ note: expect.stringMatching(/^2 code cells ran without an error in [\d.]+ s$/) });
  }, 60_000);

  it('names the first cell that fails from a fresh kernel (a variable only a deleted cell set)', async () => {
    const nb = notebook([
      { src: 'x = 1\n', n: 1 },
      { src: 'print(y)\n', n: 2, out: [stdout('5\n')] },
    ]);
    const f = (await outcome(execute, { 'q.ipynb': nb }, { file: 'q.ipynb' })) as Failure;
    expect([f.code, f.rationale]).toEqual([
      'cell-error',
      'Run from a fresh kernel, cell 2 (code) of q.ipynb stops with an error: "NameError: name \'y\' is not defined"',
    ]);
  }, 60_000);

  it('a notebook importing a library missing here is not judged; its own misspelt module fails', async () => {
    const r = await outcome(execute, { 'q.ipynb': notebook([{ src: 'import harness_absent_library\n' }]) }, { file: 'q.ipynb' });
    expect(r).toBeInstanceOf(CannotJudge);
    expect((r as Skip).reason).toMatch(
      /^the notebook imports harness_absent_library, which is not installed for the "python3" kernel here/,
    );
    const own = await outcome(
      execute,
      { 'q.ipynb': notebook([{ src: 'import mtr_fxi\n' }]), 'mtr_fix.py': 'X = 1\n' },
      { file: 'q.ipynb', files: ['mtr_fix.py'] },
    );
    expect(code(own)).toBe('cell-error');
  }, 60_000);

  it('stops a notebook that never ends', async () => {
    const f = (await outcome(
      execute,
      { 'q.ipynb': notebook([{ src: 'while True:\n    pass\n' }]) },
      { file: 'q.ipynb' },
      { timeout: 8 },
    )) as Failure;
    expect(f.code).toMatch(/^(timeout|cell-error)$/);
    expect(f.rationale).toMatch(/did not finish|TimeoutError|CellTimeoutError/);
  }, 60_000);
});

describe('notebook.execute without nbconvert', () => {
  it('is not judged, and says how to install it', async () => {
    const before = process.env.HARNESS_NBCONVERT;
    process.env.HARNESS_NBCONVERT = '/nonexistent/jupyter-nbconvert';
    try {
      const r = await outcome(execute, { 'q.ipynb': notebook(RAN) }, { file: 'q.ipynb' });
      expect(r).toBeInstanceOf(CannotJudge);
      expect((r as Skip).reason).toMatch(/^jupyter nbconvert is not installed here.*apt-get install jupyter-nbconvert python3-ipykernel/);
    } finally {
      if (before === undefined) delete process.env.HARNESS_NBCONVERT;
      else process.env.HARNESS_NBCONVERT = before;
    }
  });
});
