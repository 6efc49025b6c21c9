// notebook.execute: re-runs the notebook from a fresh kernel with Jupyter's own `jupyter nbconvert
// --execute`, in a sandboxed temporary copy, and passes when every cell runs without an error. The
// kernel talks to nbconvert over unix sockets (KernelManager.transport=ipc), so the run needs no
// network at all. Where nbconvert (or the Python kernel, or a library the notebook imports) is
// missing, the check cannot be judged here and says why. See docs/checks/notebook.execute.md.
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { defineKind } from './kind.js';
import { skipIfOptionalAbsent } from './file-present.js';
import { CannotJudge, Failure } from '../errors.js';
import { runSandboxed, which } from '../run/sandbox.js';
import { withWorkdir } from '../run/workdir.js';
import { fmtSeconds, stderrTail } from '../run/judge.js';
import { cellLabel, isCode, readNotebook, stripAnsi, type Notebook } from '../notebook/notebook.js';
import { editDistance, plural, quoteLine } from '../util/text.js';
import { notebookFile } from './notebook-valid.js';
import type { CheckContext } from '../context.js';

export interface NotebookExecuteParams {
  file: string;
  files?: string[];
  kernel?: string;
  maxOutputBytes?: number;
}

/** `jupyter-nbconvert` (Debian's jupyter-nbconvert, pip's nbconvert), else `jupyter nbconvert`. */
function nbconvert(): string[] | undefined {
  const own = process.env.HARNESS_NBCONVERT;
  if (own) return which(own) ? [which(own)!] : undefined;
  const direct = which('jupyter-nbconvert');
  if (direct) return [direct];
  const jupyter = which('jupyter');
  return jupyter ? [jupyter, 'nbconvert'] : undefined;
}

export default defineKind<NotebookExecuteParams>({
  kind: 'notebook.execute',
  runsStudentCode: true,
  spawns: true,
  title: (p) => `${p.file} runs from top to bottom without an error`,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: notebookFile,
      files: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'Sample data and modules the notebook reads, copied alongside (same relative paths).',
      },
      kernel: {
        type: 'string',
        minLength: 1,
        description:
          "The Jupyter kernel to run it with; default `python3`, whatever kernel the notebook names (a cluster's PySpark kernel is not here).",
      },
      maxOutputBytes: { type: 'integer', minimum: 1, description: 'Most output nbconvert may print; default 16 MB.' },
    },
  },
  files: (p) => [p.file, ...(p.files ?? [])],
  async run(ctx, p) {
    await skipIfOptionalAbsent(ctx, p.file);
    await readNotebook(ctx, p.file); // a file that is no notebook fails here, with the reason
    const cmd = nbconvert();
    if (!cmd)
      throw new CannotJudge(
        'jupyter nbconvert is not installed here, so the notebook cannot be re-run; install it (Debian: apt-get install jupyter-nbconvert python3-ipykernel; or pip install nbconvert ipykernel) to run this check locally (the grader runs it)',
      );
    const kernel = p.kernel ?? 'python3';
    return withWorkdir(ctx, [p.file, ...(p.files ?? [])], async (dir) => {
      const timeoutMs = Math.max(1, ctx.check.timeout * 1000 - 250);
      const out = '.harness-executed.ipynb';
      const args = [
        ...cmd.slice(1),
        '--to',
        'notebook',
        '--execute',
        '--allow-errors',
        `--ExecutePreprocessor.kernel_name=${kernel}`,
        `--ExecutePreprocessor.timeout=${Math.max(1, Math.floor(timeoutMs / 1000))}`,
        '--KernelManager.transport=ipc',
        '--output',
        out,
        '--output-dir',
        '.',
        p.file,
      ];
      const rerun = `jupyter nbconvert --to notebook --execute ${p.file}`;
      // A kernel may start a JVM (Spark through Jupyter), which reserves far more address space than
      // it uses: the whole run's resident memory is limited, not its address space.
      const res = await runSandboxed(cmd[0], args, {
        cwd: dir,
        timeoutMs,
        maxOutputBytes: p.maxOutputBytes ?? 16 * 1024 * 1024,
        signal: ctx.signal,
        addressSpace: false,
        python: cmd[0],
        env: { PYENV_DIR: ctx.spec.dir, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
      });
      if (res.timedOut)
        throw new Failure({
          code: 'timeout',
          rationale: `${p.file} did not finish running within ${fmtSeconds(timeoutMs)}, so it was stopped.`,
          hint: `Does a cell loop forever, wait for input, or work on the full data set? Try: ${rerun}`,
          file: p.file,
        });
      if (/NoSuchKernel|No such kernel/.test(res.stderr))
        throw new CannotJudge(
          `Jupyter has no "${kernel}" kernel here, so the notebook cannot be re-run; install one (Debian: apt-get install python3-ipykernel; or pip install ipykernel) to run this check locally`,
        );
      let ran: Notebook;
      try {
        ran = JSON.parse(await readFile(path.join(dir, out), 'utf8')) as Notebook;
      } catch {
        throw new Failure({
          code: 'not-run',
          rationale: `jupyter nbconvert could not run ${p.file} (exit code ${res.code ?? res.signal}).`,
          hint: `Read the error below; try: ${rerun}`,
          actual: stderrTail(res.stderr),
          file: p.file,
        });
      }
      const failed = ran.cells.map((c, i) => ({ c, i, err: (c.outputs ?? []).find((o) => o.output_type === 'error') })).find((x) => x.err);
      if (failed) {
        const err = failed.err!;
        const missing = err.ename === 'ModuleNotFoundError' ? /No module named '([^']+)'/.exec(err.evalue ?? '')?.[1] : undefined;
        if (missing && !(await ownModule(ctx, missing.split('.')[0]))) {
          throw new CannotJudge(
            `the notebook imports ${missing}, which is not installed for the "${kernel}" kernel here; install it to run this check locally (the grader runs it)`,
          );
        }
        const tb = (err.traceback ?? []).map(stripAnsi).join('\n');
        throw new Failure({
          code: 'cell-error',
          file: p.file,
          rationale: `Run from a fresh kernel, ${cellLabel(ran, failed.i)} of ${p.file} stops with an error: ${quoteLine(`${err.ename}: ${err.evalue}`, 160)}`,
          hint: `Restart the kernel and run all cells (Kernel → Restart & Run All) to see it; a cell may use a variable only an earlier, deleted cell set, or a file that is not handed in.`,
          actual: tb ? tb.split('\n').slice(-12).join('\n') : undefined,
        });
      }
      const code = ran.cells.filter(isCode).length;
      return { note: `${plural(code, 'code cell')} ran without an error in ${fmtSeconds(Math.round(res.ms / 100) * 100)}` };
    });
  },
});

/** A module that is one of the student's own files (or a letter or two off one), not a library. */
async function ownModule(ctx: CheckContext, name: string): Promise<boolean> {
  const names = (await ctx.files.names(ctx.spec.dir)).map((n) => n.replace(/\.py$/, ''));
  return names.some((n) => n === name || editDistance(n, name) <= 2);
}
